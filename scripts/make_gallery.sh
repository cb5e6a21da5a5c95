#!/usr/bin/env bash
# Regenerate docs/gallery/: the figures of the shipped San Ysidro scenarios (docs/gallery.md).
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

# One run of the base scenario; --trace gives the full wait distribution.
"$bf" run scenarios/san_ysidro_weekday.yaml -r "$reps" --trace -q -o "$work/run" --plot

# The shipped what-ifs for today's port against the base, with common random numbers. (The
# look back, scenarios/san_ysidro/before_rebuild.yaml, waits hours longer: on the same axes it
# would flatten the others, so it is left out.)
"$bf" compare scenarios/san_ysidro_weekday.yaml scenarios/san_ysidro_more_stacked_booths.yaml \
    scenarios/san_ysidro_rfid.yaml scenarios/san_ysidro/sentri_growth.yaml \
    -r "$reps" -q -o "$work/compare" --plot

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

rm -f "$out"/*.png
mkdir -p "$out"
for f in "$work"/run/plots/*.png; do cp "$f" "$out/run_$(basename "$f")"; done
cp "$work"/compare/plots/*.png "$out/"
cp "$work"/sweep/plots/*.png "$out/"
ls -l "$out"
