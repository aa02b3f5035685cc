print("coordinator: not built yet")
