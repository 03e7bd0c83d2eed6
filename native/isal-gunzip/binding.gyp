{
  "targets": [
    {
      "target_name": "isal_gunzip",
      "sources": ["isal_gunzip.c", "sha256_ring.c"],
      "libraries": ["-lisal", "-lpthread"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
