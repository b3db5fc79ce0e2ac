{
  "targets": [
    {
      "target_name": "edgeloop",
      "sources": [
        "<!@(sh native/sources.sh addon)"
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
