// TextOut: a binding's text result handed to JS as a view of wasm memory,
// which the glue decodes at once with TextDecoder (binding-post.js,
// edgeloopTextMethods). embind's own std::string conversion walks every
// byte in JS, twice (looking for NULs, then decoding): for the texts a
// player reads every reactor step (inspectBrief, snapshot, drainTrace,
// tens of MB over a long run) that was a tenth of the run's time.
//
// The view is valid until the next Hand() on the same object: the glue
// decodes it before anything else runs.
#pragma once

#include <emscripten/val.h>

#include <string>
#include <utility>

namespace edgeloop {

class TextOut {
 public:
  emscripten::val Hand(std::string text) {
    text_ = std::move(text);
    return emscripten::val(
        emscripten::typed_memory_view(text_.size(), reinterpret_cast<const unsigned char*>(text_.data())));
  }

 private:
  std::string text_;
};

}  // namespace edgeloop
