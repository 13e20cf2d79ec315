"""Shared fixtures: synthetic exemplars and a tiny model trained once per session."""

import pytest

from texgan_testutils import TINY, make_texture, save_rgb


@pytest.fixture(scope="session")
def exemplar(tmp_path_factory):
    return save_rgb(tmp_path_factory.mktemp("ex") / "blobs.png", make_texture())


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, exemplar):
    """(path, trainer) of a tiny tile model after 6 steps, checkpointed at step 4."""
    from texgan_core.config import TrainConfig
    from texgan_core.train import Trainer

    out = tmp_path_factory.mktemp("model") / "tiny.texgan"
    tc = TrainConfig(steps=6, crop=64, batch=2, checkpoint_every=4, sample_every=3, seed=7)
    trainer = Trainer([exemplar], out, train_config=tc, device="cpu", model_overrides=TINY)
    assert trainer.run() == "done"
    return out, trainer
