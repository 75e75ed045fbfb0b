"""Writes the run folders of fixtures/run-folders/ with the real W&B SDK, offline."""
import os, sys
import wandb

def train(name, crash):
    kw = dict(host="trainer", disable_code=True, disable_git=True)
    kw.update({"_disable_meta": True, "_disable_stats": True} if wandb.__version__.startswith("0.15") else {"x_disable_meta": True, "x_disable_stats": True})
    settings = wandb.Settings(**kw)
    run = wandb.init(project="sae-sweep", name=name, tags=["paper", "v2"], group="g1",
                     config={"hook_layer": 6, "sae_type": "topk", "top_k": 32, "d_sae": 16384},
                     settings=settings)
    for step in range(5):
        wandb.log({"metrics/l0": 31.5 + step, "losses/mse_loss": 0.01 / (step + 1)})
    if crash:
        os._exit(1)
    run.finish()

train(sys.argv[1], len(sys.argv) > 2)
