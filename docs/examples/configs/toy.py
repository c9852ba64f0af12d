_base_ = ["_base_/optimizer.py", "_base_/model.yaml"]

model = dict(depth=50)
max_iters = 10
log_interval = 5
work_dir = "./work_dirs/{{fileBasenameNoExtension}}"
