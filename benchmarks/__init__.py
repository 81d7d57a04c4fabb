"""Public-benchmark harness: instance readers, peer solvers and the runner CLI."""
