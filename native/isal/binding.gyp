{
  "targets": [
    {
      "target_name": "baler_isal",
      "sources": ["addon.c", "gunzip.c", "crc64.c", "sha256_ring.c"],
      "libraries": ["-lisal", "-lpthread"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
