// Loaded by emcc --post-js before unicorn.js's wrapper (see build.sh): emscripten 3.1.6's getValue(ptr, 'i64')
// returns Number(HEAP64[ptr >> 3]), which loses bits above 2^53; 64-bit reads return the exact BigInt instead.
(function () {
  var getValueLossy = Module.getValue;
  Module.getValue = function (ptr, type, noSafe) {
    if (type === 'i64') return HEAP64[ptr >> 3];
    return getValueLossy(ptr, type, noSafe);
  };
})();
