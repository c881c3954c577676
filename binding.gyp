{
  "targets": [
    {
      "target_name": "nitro_native",
      "sources": [
        "native/src/addon.c",
        "native/src/napi-util.c",
        "native/src/nsm.c",
        "native/src/socket.c"
      ],
      "cflags": ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-std=c11", "-Wall", "-Wextra"]
      }
    }
  ]
}
