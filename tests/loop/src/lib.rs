//! No library: the tests in `tests/` drive the three functions together.
