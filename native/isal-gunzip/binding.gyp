{
  "targets": [
    {
      "target_name": "isal_gunzip",
      "sources": ["isal_gunzip.c"],
      "libraries": ["-lisal"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
