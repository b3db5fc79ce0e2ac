// Prepended inside the module factory (emcc --pre-js).
//
// The wasm is inlined as a data: URI (SINGLE_FILE). Under ENVIRONMENT=web,
// worker emscripten 3.1.6 would still fetch() that URI in a browser, which a
// Content-Security-Policy without `connect-src data:` blocks (and logs)
// before falling back. Decode it here instead, so nothing is ever fetched.
// `wasmBinaryFile`, `tryParseAsDataURI` and `readyPromiseReject` are the
// module's own, defined by the time emscripten calls this hook.
if (!Module['instantiateWasm'] && !Module['wasmBinary']) {
  Module['instantiateWasm'] = function(imports, receiveInstance) {
    WebAssembly.instantiate(tryParseAsDataURI(wasmBinaryFile), imports)
      .then(function(output) { receiveInstance(output['instance'], output['module']); })
      .catch(readyPromiseReject);
    return {};
  };
}
