"""The scale benchmark: a loopback feed farm and a runner that times the hub against it."""
