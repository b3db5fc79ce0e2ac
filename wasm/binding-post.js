// Appended inside the module factory (emcc --post-js), so it shares scope
// with the EM_JS functions of sim_kernel_binding.cc.
//
// C++ never throws into JS: a failing SimKernel call records its message in
// edgeloopError (edgeloop_fail) and returns normally, so destructors run and
// the wasm stack pointer is restored. The wrappers below then throw it as a
// real Error from plain JS.
var edgeloopError = null;

var edgeloopServerMethods = [
  'address', 'runOnce', 'send', 'shutdown', 'close', 'drainTrace', 'drainEvents',
  'drainEventBytes', 'snapshot', 'dispose',
];

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

// Wraps the methods and the constructor of embind class `name`: the
// constructor may fail too (CreateSimKernel: bad_alloc; SimServer: bad
// options, a failed listen).
function edgeloopWrapClass(module, name, methods) {
  var Raw = module[name];
  var proto = Raw.prototype;
  methods.forEach(function(method) { edgeloopWrapMethod(proto, method); });
  function Wrapped() {
    if (!(this instanceof Wrapped)) throw new TypeError("Use 'new' to construct " + name);
    edgeloopError = null;
    var object = Reflect.construct(Raw, arguments);
    if (edgeloopError !== null) {
      object['delete']();
      throw edgeloopTakeError();
    }
    return object;
  }
  Wrapped.prototype = proto;
  module[name] = Wrapped;
}

function edgeloopInstallErrors(module) {
  edgeloopWrapClass(module, 'SimKernel', edgeloopMethods);
  edgeloopWrapClass(module, 'SimServer', edgeloopServerMethods);
}

// Runs after the runtime is initialised (embind has registered the classes)
// and before the caller's await resumes.
Module['ready'] = Module['ready'].then(function(module) {
  edgeloopInstallErrors(module);
  return module;
});
