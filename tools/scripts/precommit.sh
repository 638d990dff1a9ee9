#!/usr/bin/env bash
# Fast checks before a commit (the full suite is `npm test`): types, lint, format, unit tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
npx jest --selectProjects unit --silent
