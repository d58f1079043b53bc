"""Developer tools run from a source checkout (not in the service wheel): evaluation,
calibration of the confidence model, benchmarks and load tests."""
