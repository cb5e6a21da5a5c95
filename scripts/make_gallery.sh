#!/usr/bin/env bash
# Regenerate docs/gallery/: the figures of the shipped San Ysidro scenarios, and one of Laredo
# (docs/gallery.md).
#
#   scripts/make_gallery.sh            # uses `borderflow` from PATH
#   BORDERFLOW=.venv/bin/borderflow scripts/make_gallery.sh
#
# A few minutes on 2 cores; the traced run needs about 1.5 GB of memory. Everything is
# computed in a temporary folder; only the PNG files are copied into docs/gallery/.
set -euo pipefail
cd "$(dirname "$0")/.."
bf=${BORDERFLOW:-borderflow}
reps=10
out=docs/gallery
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One run of the base scenario; --trace gives the full wait distribution, the share waiting
# over 30 and 60 minutes, the input-output diagram and the animation. The year is 365 days like
# the counted one (the scenario's volumes are 2019 averages over 365 days).
"$bf" run scenarios/san_ysidro_weekday.yaml -r "$reps" --trace --annualize 365 -q -o "$work/run"
# Against CBP's observed waits: weekdays of January and February, less the 5 minutes CBP's
# Bluetooth readers show with no queue (1.3 for pedestrian Ready lanes; data/README.md).
"$bf" plot "$work/run" --observed data/cbp_san_ysidro_hourly_waits_jan-apr.csv \
    --observed-offset 5,ped_ready_min=1.3 --observed-months 1-2 --observed-weekdays 0-4
"$bf" animate "$work/run" -o "$work/plaza.html"
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$chromium" ]; then
    "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --virtual-time-budget=5000 --window-size=1280,1060 \
        --screenshot="$work/plaza.png" "file://$work/plaza.html#t=1920&paused" 2>/dev/null
fi

# The shipped what-ifs for today's port against the base, with common random numbers. (The
# look back, scenarios/san_ysidro/before_rebuild.yaml, waits hours longer: on the same axes it
# would flatten the others, so it is left out.)
"$bf" compare scenarios/san_ysidro_weekday.yaml scenarios/san_ysidro_more_stacked_booths.yaml \
    scenarios/san_ysidro_rfid.yaml scenarios/san_ysidro/sentri_growth.yaml \
    -r "$reps" -q -o "$work/compare" --plot
# The first screen of its report: the findings, then what each change is worth.
"$bf" report "$work/compare" -o "$work/compare.html"
if [ -n "$chromium" ]; then
    "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --virtual-time-budget=5000 --window-size=1180,1000 \
        --screenshot="$work/report.png" "file://$work/compare.html" 2>/dev/null
fi

# A sweep: how fast must general-lane inspection be to keep the 95th percentile wait of general
# cars under 30 minutes, as their demand grows?
cat > "$work/sweep.yaml" <<YAML
description: General-lane inspection time against general-lane demand, San Ysidro weekday.
scenario: $PWD/scenarios/san_ysidro_weekday.yaml
replications: $reps
design: grid
vary:
  stages.primary.service.car_general.mean: [55 s, 60 s, 65 s, 70 s, 75 s]
  streams.car_general.arrivals.per_day: [13000, 14500, 16416, 18000]
YAML
"$bf" sweep "$work/sweep.yaml" -q -o "$work/sweep"
"$bf" plot "$work/sweep" --stream car_general --metric wait_p95_min --target 30

# One input at a time around the scenario's values: which matters most?
cat > "$work/oat.yaml" <<YAML
description: Three inputs of the general-lane wait, one at a time, San Ysidro weekday.
scenario: $PWD/scenarios/san_ysidro_weekday.yaml
replications: $reps
design: one_at_a_time
vary:
  stages.primary.service.car_general.mean: [65 s, 85 s]
  stages.secondary.visit.car_general: [0.02, 0.05]
  streams.car_general.arrivals.per_day: [14800, 18000]
YAML
"$bf" sweep "$work/oat.yaml" -q -o "$work/oat"
"$bf" plot "$work/oat" --stream car_general --metric wait_p95_min

# A staffing search where staffing each hour by its own load fails: secondary inspection.
"$bf" staff scenarios/san_ysidro/secondary_inspection.yaml --target "referred:wait_mean_min<=5" \
    -r "$reps" -q -o "$work/staff" --plot

# Space at the port: Laredo with Texas DPS inspecting every truck, its queue backing up.
"$bf" run scenarios/laredo_wtb/dps_enhanced.yaml -r "$reps" -q -o "$work/dps"
"$bf" plot "$work/dps"

rm -f "$out"/*.png
mkdir -p "$out"
for f in "$work"/run/plots/*.png; do cp "$f" "$out/run_$(basename "$f")"; done
cp "$work"/compare/plots/*.png "$out/"
cp "$work"/sweep/plots/*.png "$out/"
cp "$work"/oat/plots/tornado_*.png "$out/"
cp "$work"/staff/plots/staffing_*.png "$out/"
cp "$work/dps/plots/storage_by_hour.png" "$out/laredo_dps_storage_by_hour.png"
if [ -f "$work/plaza.png" ]; then cp "$work/plaza.png" "$out/plaza.png"; fi
if [ -f "$work/report.png" ]; then cp "$work/report.png" "$out/report_first_screen.png"; fi
ls -l "$out"
