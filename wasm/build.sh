#!/usr/bin/env bash
# Rebuilds wasm/unicorn-x86.cjs (unicorn.js 2.1.4 over unicorn-engine 2.1.4, x86 only) from two source checkouts
# with Debian 12's emscripten 3.1.6. It downloads nothing: both trees must already be on the machine.
#
#   wasm/build.sh UNICORN_JS_DIR UNICORN_DIR [WORK_DIR]
#     UNICORN_JS_DIR  a checkout of AlexAltea/unicorn.js at 1220477
#     UNICORN_DIR     a checkout of unicorn-engine/unicorn at 8028ec436f2d9376525352dd38ed9ed6b9f6be10
#     WORK_DIR        scratch directory (default: a fresh mktemp directory); both trees are copied into it
#                     because unicorn.js's build.py patches its unicorn submodule in place
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 UNICORN_JS_DIR UNICORN_DIR [WORK_DIR]" >&2
  exit 2
fi
src_js=$(cd "$1" && pwd)
src_uc=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=${3:-$(mktemp -d /tmp/picemu-unicorn-wasm.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)

for tool in emcc emcmake emmake cmake python3 git node; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (apt-get install emscripten binaryen cmake clang lld python3 git nodejs)" >&2; exit 1; }
done
[ -f "$src_js/build.py" ] && [ -f "$src_js/src/unicorn-wrapper.js" ] || { echo "$0: $src_js is not a unicorn.js checkout" >&2; exit 1; }
[ -f "$src_uc/CMakeLists.txt" ] && [ -d "$src_uc/qemu" ] || { echo "$0: $src_uc is not a unicorn-engine checkout" >&2; exit 1; }

# A fresh copy of each tree; the unicorn tree goes where unicorn.js's submodule would be.
rm -rf "$work/unicorn.js"
cp -a "$src_js" "$work/unicorn.js"
rm -rf "$work/unicorn.js/unicorn" "$work/unicorn.js/.git"
cp -a "$src_uc" "$work/unicorn.js/unicorn"
rm -rf "$work/unicorn.js/unicorn/.git" "$work/unicorn.js/unicorn/build"
# build.py applies its patches with `git apply`, which needs a repository to patch in.
git -C "$work/unicorn.js/unicorn" init -q

cd "$work/unicorn.js"

# Workaround: emscripten 3.1.6's bundled terser rejects BigInt literals (`0n`) in unicorn.js's wrapper.
sed -i -E 's/\b0n\b/BigInt(0)/g' src/unicorn-wrapper.js
grep -qE '\b[0-9]+n\b' src/unicorn-wrapper.js && { echo "$0: BigInt literal left in unicorn-wrapper.js" >&2; exit 1; }

# Workaround: in emscripten 3.1.6 getValue(ptr, 'i64') is Number(HEAP64[..]), which loses bits above 2^53;
# this post-js (loaded before the wrapper) makes it return the BigInt as later emscripten versions do.
cp "$here/i64-shim.js" src/i64-shim.js
sed -i "s|    cmd += \['--post-js', 'src/unicorn-wrapper.js'\]|    cmd += ['--post-js', 'src/i64-shim.js']\n&|" build.py
grep -q "src/i64-shim.js" build.py || { echo "$0: could not add the i64 shim to build.py" >&2; exit 1; }

# Workaround: as a library inside picemu the module must not install process-wide uncaughtException and
# unhandledRejection handlers in its host (emscripten's defaults for a node program).
sed -i "s|        '-s', 'WASM_BIGINT=1',|&\n        '-s', 'NODEJS_CATCH_EXIT=0',\n        '-s', 'NODEJS_CATCH_REJECTION=0',|" build.py
grep -q "NODEJS_CATCH_REJECTION=0" build.py || { echo "$0: could not add the NODEJS_CATCH_* settings to build.py" >&2; exit 1; }

# Workaround: two parallel jobs at most (the machine is shared), not os.cpu_count().
sed -i "s|jobs = os.cpu_count() or 1|jobs = min(2, os.cpu_count() or 1)|" build.py

# Workaround: unicorn's per-instruction hook instrumentation allocates TCG temps it frees only at the end of a
# translation block; on a 32-bit host (wasm32) 1024 temps run out after ~64 hooked instructions and TCG writes past
# its temps array (a straight 64-load block with a code hook crashes the module: test/engine). More temps, and at
# most 128 instructions per block, keep every hooked block inside the array.
tcg_h=unicorn/qemu/include/tcg/tcg.h
sed -i 's|^#define TCG_MAX_TEMPS 1024$|#define TCG_MAX_TEMPS 16384|; s|^#define TCG_MAX_INSNS 512$|#define TCG_MAX_INSNS 128|' "$tcg_h"
grep -q '^#define TCG_MAX_TEMPS 16384$' "$tcg_h" && grep -q '^#define TCG_MAX_INSNS 128$' "$tcg_h" || { echo "$0: could not raise TCG_MAX_TEMPS / lower TCG_MAX_INSNS in $tcg_h" >&2; exit 1; }

# Workaround: QEMU 5.0.1's TCI (the interpreter unicorn.js builds, from its externals/, copied over unicorn's qemu
# by build.py) has no ld8s_i32, ld16u_i32 or ld16s_i32: it prints "TODO tci.c" and aborts the whole module. On a
# 32-bit host every 16-bit load of CPU state takes them (pextrw r32, xmm, imm8 does: found by the difftest against
# this build). Implemented as QEMU 6 does, beside ld8u_i32.
tci_c=externals/qemu-5.0.1/tcg/tci.c
perl -0pi -e 's/(        case INDEX_op_(ld8s|ld16u|ld16s)_i32:\n)            TODO\(\);\n/$1            t0 = *tb_ptr++;\n            t1 = tci_read_r(regs, &tb_ptr);\n            t2 = tci_read_s32(&tb_ptr);\n            tci_write_reg(regs, t0, *(${\({ld8s => "int8_t", ld16u => "uint16_t", ld16s => "int16_t"}->{$2})} *)(t1 + t2));\n/g' "$tci_c"
[ "$(grep -c 'tci_write_reg(regs, t0, \*(u\?int\(8\|16\)_t \*)(t1 + t2));' "$tci_c")" = 3 ] || { echo "$0: could not implement ld8s/ld16u/ld16s_i32 in $tci_c" >&2; exit 1; }

# Workaround: emscripten's node tools (acorn-optimizer) find Debian's acorn only through NODE_PATH.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
# Reproducibility: no build paths in the output (assert/__FILE__ strings), whatever WORK_DIR is.
export CFLAGS="-ffile-prefix-map=$work/unicorn.js=/unicorn.js"
export CXXFLAGS="$CFLAGS"
# Reproducibility: no timestamps from the environment.
export SOURCE_DATE_EPOCH=0

start=$(date +%s)
python3 build.py x86
echo "build.py took $(( $(date +%s) - start )) s"

cp dist/unicorn_x86.js "$here/unicorn-x86.cjs"
cp unicorn/COPYING "$here/COPYING"
# picemu checks this hash before loading the module, so a damaged file fails with one clear line.
(cd "$here" && sha256sum unicorn-x86.cjs > unicorn-x86.cjs.sha256)
cat "$here/unicorn-x86.cjs.sha256"
