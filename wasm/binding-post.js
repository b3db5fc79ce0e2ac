// Appended inside the module factory (emcc --post-js), so it shares scope
// with the EM_JS functions of sim_kernel_binding.cc.
//
// C++ never throws into JS: a failing SimKernel call records its message in
// edgeloopError (edgeloop_fail) and returns normally, so destructors run and
// the wasm stack pointer is restored. The wrappers below then throw it as a
// real Error from plain JS.
var edgeloopError = null;

var edgeloopMethods = [
  'socket', 'socketpair', 'bind', 'listen', 'connect', 'accept', 'getsockname',
  'read', 'write', 'shutdown', 'close', 'dup', 'eventfd', 'setsockopt',
  'getsockopt', 'ioctl', 'epollCreate', 'epollCtl', 'epollWait', 'now',
  'advance', 'inspect', 'dispose',
];

function edgeloopTakeError() {
  var error = new Error(edgeloopError);
  edgeloopError = null;
  return error;
}

function edgeloopWrapMethod(proto, name) {
  var method = proto[name];
  if (typeof method != 'function') throw new Error('SimKernel binding lacks ' + name);
  proto[name] = function() {
    edgeloopError = null;
    var result = method.apply(this, arguments);
    if (edgeloopError !== null) throw edgeloopTakeError();
    return result;
  };
}

function edgeloopInstallErrors(module) {
  var Raw = module['SimKernel'];
  var proto = Raw.prototype;
  edgeloopMethods.forEach(function(name) { edgeloopWrapMethod(proto, name); });
  // The constructor too: CreateSimKernel may fail (bad_alloc).
  function SimKernel() {
    if (!(this instanceof SimKernel)) throw new TypeError("Use 'new' to construct SimKernel");
    edgeloopError = null;
    var kernel = Reflect.construct(Raw, arguments);
    if (edgeloopError !== null) {
      kernel['delete']();
      throw edgeloopTakeError();
    }
    return kernel;
  }
  SimKernel.prototype = proto;
  module['SimKernel'] = SimKernel;
}

// Runs after the runtime is initialised (embind has registered SimKernel)
// and before the caller's await resumes.
Module['ready'] = Module['ready'].then(function(module) {
  edgeloopInstallErrors(module);
  return module;
});
