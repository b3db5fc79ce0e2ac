{
  "targets": [
    {
      "target_name": "edgeloop",
      "sources": [
        "native/kernel/kernel.cc",
        "native/kernel/sock_addr.cc",
        "native/kernel/tracing_kernel.cc",
        "<!@(ls -1 native/kernel/sim/*.cc)",
        "<!@(ls -1 native/kernel/linux/*.cc)",
        "<!@(ls -1 native/reactor/*.cc native/reactor/*/*.cc)",
        "<!@(ls -1 native/host/*.cc)",
        "<!@(ls -1 native/util/*.cc)",
        "<!@(ls -1 native/addon/*.cc)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_CPP_EXCEPTIONS_ALL"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-Wconversion", "-Wshadow"],
      "cflags_cc": [
        "-std=c++17", "-fexceptions",
        "-Wall", "-Wextra", "-Werror", "-Wconversion", "-Wshadow",
        "-isystem<(node_root_dir)/include/node",
        "-isystem<(module_root_dir)/<!(node -p \"require('node-addon-api').include_dir\")"
      ]
    }
  ]
}
