"""One package per graph step, in the graph's order: plan, search, read, index, extract, verify, review,
tribunal, revise, policy, owner. Each holds its node (`node.py`), its offline engine (`rules.py`), its model
role (`model.py` and its prompt file) and its checks. A step imports only the steps before it."""
