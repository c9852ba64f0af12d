# Train DigitsNet on scikit-learn's 8x8 digits, validating every epoch.
#     mme train examples/digits/digits_config.py
custom_imports = dict(imports=["digits_classifier"])

model = dict(type="DigitsNet", hidden=128)
work_dir = "./work_dirs/digits"

train_dataloader = dict(
    dataset=dict(type="DigitsDataset", split="train"),
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
    batch_size=16,
    num_workers=0,
)
val_dataloader = dict(
    dataset=dict(type="DigitsDataset", split="val"),
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
    batch_size=128,
    num_workers=0,
)

train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
val_evaluator = dict(type="DigitsAccuracy")

optim_wrapper = dict(optimizer=dict(type="Adam", lr=3e-3))
param_scheduler = dict(type="MultiStepLR", by_epoch=True, milestones=[8], gamma=0.1)

default_hooks = dict(
    logger=dict(type="LoggerHook", interval=10),
    checkpoint=dict(type="CheckpointHook", interval=5, save_best="accuracy"),
)
randomness = dict(seed=0)
env_cfg = dict(dist_cfg=dict(backend="gloo"))

# mme test examples/digits/digits_config.py work_dirs/digits/epoch_10.pth
test_dataloader = val_dataloader
test_cfg = dict()
test_evaluator = val_evaluator
