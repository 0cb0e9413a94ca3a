//! The official Function Compute SDKs (PyPI and npm) against `fclocal start`.
