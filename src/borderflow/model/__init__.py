"""The SimPy model of one replication of a port."""

from .port import Port, ReplicationResult, Traveller, simulate

__all__ = ["Port", "ReplicationResult", "Traveller", "simulate"]
