#!/usr/bin/env bash
# Regenerates docs/dashboard-*.png, the screenshots hangfire-dashboard.md shows: a worker on a throwaway
# PostgreSQL with the dashboard's sample data (FelixHub.Tests/Dashboard/DashboardSampleData.cs), each
# FelixHub page opened in Debian's headless Chromium. Runs the test project's entry point through
# scripts/test.sh (which starts the database and installs chromium when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
FELIXHUB_SCREENSHOTS_DIR="$PWD/docs" bash scripts/test.sh --filter "FullyQualifiedName~FelixHub.Tests.Dashboard.DashboardScreenshots"
ls -l docs/dashboard-*.png
