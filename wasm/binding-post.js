// Appended inside the module factory (emcc --post-js), so it shares scope
// with the EM_JS functions of sim_kernel_binding.cc.
//
// C++ never throws into JS: a failing SimKernel call records its message in
// edgeloopError (edgeloop_fail) and returns normally, so destructors run and
// the wasm stack pointer is restored. The wrappers below then throw it as a
// real Error from plain JS.
var edgeloopError = null;

var edgeloopServerMethods = [
  'address', 'setEventHandler', 'runOnce', 'send', 'shutdown', 'close', 'drainTrace',
  'snapshot', 'setProbe', 'stats', 'stopAccepting', 'shutdownAll', 'closeAll', 'injectFault', 'dispose',
];

var edgeloopMethods = [
  'socket', 'socketpair', 'bind', 'listen', 'connect', 'accept', 'getsockname',
  'read', 'readDiscard', 'write', 'shutdown', 'close', 'dup', 'eventfd', 'setsockopt',
  'getsockopt', 'ioctl', 'epollCreate', 'epollCtl', 'epollWait', 'now',
  'advance', 'inspect', 'inspectBrief', 'dispose',
];

function edgeloopTakeError() {
  var error = new Error(edgeloopError);
  edgeloopError = null;
  return error;
}

// The methods whose C++ returns its text as a view of wasm memory
// (wasm/text_out.h): decoded here at once, before anything can overwrite it.
var edgeloopTextMethods = ['inspect', 'inspectBrief', 'drainTrace', 'snapshot', 'stats'];
var edgeloopTextDecoder = new TextDecoder('utf-8');

function edgeloopWrapMethod(proto, name) {
  var method = proto[name];
  if (typeof method != 'function') throw new Error('SimKernel binding lacks ' + name);
  var text = edgeloopTextMethods.indexOf(name) >= 0;
  proto[name] = function() {
    edgeloopError = null;
    var result = method.apply(this, arguments);
    if (text) result = edgeloopTextDecoder.decode(result);
    if (edgeloopError !== null) throw edgeloopTakeError();
    edgeloopRethrowHandlerError(this);
    return result;
  };
}

// JS handlers (wasm/server_binding.cc). SimServer.setEventHandler(fn) hands
// C++ a sink, {fn, depth, failed, error}; C++ calls the handler through
// edgeloopEmit from inside runOnce (and send, close), synchronously. What fn
// throws is caught here and kept on the sink, and C++ only sees the status
// (it closes that connection, "handler-error"): a JS exception must never
// unwind through wasm frames, which would skip C++ destructors and leave the
// reactor mid-iteration. The kept exception is thrown by the outermost
// SimServer call that ran the handler, once C++ has returned.
var edgeloopSinks = new WeakMap();

function edgeloopEmit(sink, type, conn, arg) {
  sink.depth++;
  try {
    sink.fn(type, conn, arg);
    return 0;
  } catch (e) {
    if (!sink.failed) {
      sink.failed = true;
      sink.error = e;
    }
    return 1;
  } finally {
    sink.depth--;
  }
}

function edgeloopRethrowHandlerError(server) {
  var sink = edgeloopSinks.get(server);
  if (!sink || !sink.failed || sink.depth > 0) return;
  var error = sink.error;
  sink.failed = false;
  sink.error = undefined;
  throw error;
}

function edgeloopWrapSetEventHandler(proto) {
  var method = proto['setEventHandler'];
  proto['setEventHandler'] = function(fn) {
    if (fn !== null && typeof fn != 'function') throw new TypeError('argument 0 must be a function or null');
    var sink = fn === null ? null : { fn: fn, depth: 0, failed: false, error: undefined };
    method.call(this, sink);
    if (sink) edgeloopSinks.set(this, sink);
    else edgeloopSinks['delete'](this);
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
  edgeloopWrapSetEventHandler(module['SimServer'].prototype);
}

// Runs after the runtime is initialised (embind has registered the classes)
// and before the caller's await resumes.
Module['ready'] = Module['ready'].then(function(module) {
  edgeloopInstallErrors(module);
  return module;
});
