#!/usr/bin/env bash
# Runs every fclocal test on a fresh machine that has rustup and cargo.
#
# rust-toolchain.toml pins the toolchain and lists the wasm32-wasip2 target,
# clippy and rustfmt; the rustup calls below make sure they are installed even
# where rustup does not add them on its own. Guest components (functions/,
# chaincode/) are built from source by the tests; nothing built is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain (rust-toolchain.toml)"
rustup show active-toolchain
rustup target add wasm32-wasip2 x86_64-unknown-linux-musl
rustup component add clippy rustfmt

# apt-get as root, or through sudo when there is one.
apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo > /dev/null; then sudo="sudo"; fi
  if [ -z "${APT_UPDATED:-}" ]; then $sudo apt-get update; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "$@"
}

step "browser for the web page tests (Debian's chromium + chromium-driver)"
if ! command -v chromium > /dev/null || ! command -v chromedriver > /dev/null; then
  apt_install chromium chromium-driver
fi
chromium --version

step "Node.js/npm and Python venv for the language engines (componentize-js, componentize-py)"
if ! command -v npm > /dev/null || ! command -v node > /dev/null; then
  apt_install nodejs npm
fi
if ! python3 -m venv --help > /dev/null 2>&1 || ! python3 -m pip --version > /dev/null 2>&1; then
  apt_install python3 python3-venv python3-pip
fi
node --version
python3 --version

step "format"
cargo fmt --all --check
(cd functions && cargo fmt --all --check)
(cd chaincode && cargo fmt --all --check)

step "lint (host, then guests)"
cargo clippy --workspace --all-targets --locked -- -D warnings
(cd functions && cargo clippy --release --all-targets --locked -- -D warnings)
(cd chaincode && cargo clippy --release --all-targets --locked -- -D warnings)

step "tests"
cargo test --workspace --locked

step "the static fclocal for FC's custom runtime (x86_64-unknown-linux-musl), the demo packaged with it"
command -v musl-gcc > /dev/null || apt_install musl-tools
command -v curl > /dev/null || apt_install curl
cargo build --release --locked --target x86_64-unknown-linux-musl --bin fclocal
# Without --fclocal-binary, package takes the musl build beside target/ and
# refuses it unless it is statically linked.
target/debug/fclocal package -o target/demo-package
scripts/check-package.sh target/demo-package marblesFC/hello

step "fun's own validator accepts our templates (fun 3.6.24 from npm, pinned by tools/fun-validate/package-lock.json)"
tools/fun-validate/validate.sh template.yml examples/walkthrough/template.yml \
  runtime/template/tests/ui/valid/demo.yml runtime/template/tests/ui/valid/minimal.yml \
  target/demo-package/template.yml

step "guest SDK and validate-transfer unit tests (native), rewards (Python) unit tests"
(cd functions && cargo test -p fclocal-sdk -p validate-transfer --locked --target "$(rustc -vV | sed -n 's/^host: //p')")
(cd functions/rewards && python3 -B -m unittest -q test_index)

step "chaincode shim and Marbles unit tests (native), and the Marbles component builds"
(cd chaincode && cargo test --locked --target "$(rustc -vV | sed -n 's/^host: //p')")
(cd chaincode && cargo build --release --locked)

echo
echo "All tests passed."
