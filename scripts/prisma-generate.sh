#!/usr/bin/env bash
# Generates the Prisma client into server/generated/prisma (git-ignored).
# Idempotent and fast: skipped when schema.prisma, prisma.config.ts and the prisma version
# are unchanged since the last successful generate (hash stored beside the output).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=server/generated/prisma
HASH_FILE=server/generated/.schema-hash
PRISMA_VERSION=$(node -p "require('prisma/package.json').version")
HASH=$( { cat prisma/schema.prisma prisma.config.ts; echo "$PRISMA_VERSION"; } | sha256sum | cut -d' ' -f1)

if [[ "${1:-}" != "--force" && -f "$HASH_FILE" && "$(cat "$HASH_FILE")" == "$HASH" && -f "$OUT/client.ts" ]]; then
  exit 0
fi

# `prisma generate` needs no schema engine, but the CLI insists on resolving one and would try to
# download it (unreachable here); any existing file satisfies the check.
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 PRISMA_GENERATE_NO_HINTS=1

# Generate into a temp dir then swap, so a concurrent reader never sees a half-written client.
TMP_OUT="server/generated/.prisma-tmp-$$"
rm -rf "$TMP_OUT"
mkdir -p server/generated
trap 'rm -rf "$TMP_OUT"' EXIT
sed "s#output *= *\"../server/generated/prisma\"#output = \"$PWD/$TMP_OUT\"#" prisma/schema.prisma > "server/generated/.schema-$$.prisma"
trap 'rm -rf "$TMP_OUT" "server/generated/.schema-$$.prisma"' EXIT
npx --no-install prisma generate --schema "server/generated/.schema-$$.prisma" >/dev/null
rm -rf "$OUT.old"
[[ -d "$OUT" ]] && mv "$OUT" "$OUT.old"
mv "$TMP_OUT" "$OUT"
rm -rf "$OUT.old"
echo "$HASH" > "$HASH_FILE"
echo "prisma client generated in $OUT"
