#!/bin/sh
# Runs pnpm 10 whether or not it is installed, so `npm test` / `npm run demo` work on a machine
# that has only Node and npm.
if command -v pnpm >/dev/null 2>&1 && pnpm --version 2>/dev/null | grep -q '^10\.'; then
  exec pnpm "$@"
fi
exec npx --yes pnpm@10 "$@"
