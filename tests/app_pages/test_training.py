"""The training page (app_pages/training.py) under AppTest."""

from tests.app_pages.apptest import open_app, problems, texts


def test_the_training_epsilon_starts_at_the_tasks_own(tmp_path):
    app = open_app("app_pages/training.py", task="fundus")  # drawn before a defence is picked: a form
    field = app.number_input(key="form_defence_eps")      # reruns only when it is submitted
    assert field.value == 0.0025  # fundus models collapse to one answer when trained at the grid's middle
    assert "derm 0.005, fundus 0.0025, cxr 0.02" in field.help


def test_training_form_launches_a_job(tmp_path, monkeypatch):
    from core.jobs import list_jobs

    app = open_app("app_pages/training.py", task="cxr")
    app.number_input(key="form_synthetic_train").set_value(16)
    app.selectbox(key="form_defence").set_value("pgd-at")  # a defended model: its own id, its own job
    app.sidebar.form_submit_button[0].click().run()
    assert not app.exception and not problems(app), problems(app)
    jobs = list_jobs()
    assert [j.key for j in jobs] == ["train-demo-cxr-resnet50-attention-pgdat"]
    from core.train import TrainConfig

    sent = TrainConfig.from_dict(__import__("json").loads((tmp_path / "runs" / jobs[0].key / "config.json").read_text()))
    assert sent.synthetic_train == 16 and sent.seed == 0 and sent.epoch_fraction is None  # every field travels
    assert (sent.defence, sent.defence_epsilon, sent.defence_steps) == ("pgd-at", 0.02, 7)  # cxr's own ε
    assert sent.init_from is None  # from scratch unless fine-tuning is ticked
    again = open_app("app_pages/training.py", task="cxr")
    again.number_input(key="form_synthetic_train").set_value(16)
    again.selectbox(key="form_defence").set_value("pgd-at")
    again.sidebar.form_submit_button[0].click().run()
    assert any("already running" in t for t in texts(again.error))  # one job per model
    _cancel(again, jobs[0].key)  # at once: a training job left running slows every other test down
    sent_configs = []  # the job runner is tested above: here only what the form sends
    monkeypatch.setattr("core.jobs.start_job", lambda kind, key, arguments, files=None, **_: sent_configs.append(
        (key, TrainConfig.from_dict(files["--config"]))))
    again.checkbox(key="form_defence_init").check()
    again.selectbox(key="form_backbone").set_value("inception_resnet_v2")
    again.sidebar.form_submit_button[0].click().run()  # fine-tuning starts from the bundled undefended model
    [(key, tuned)] = sent_configs
    assert key == "train-demo-cxr-inception_resnet_v2-attention-pgdat"
    assert tuned.init_from.endswith("checkpoints/demo/cxr/inception_resnet_v2_attention.keras")
    assert again.selectbox(key="form_task").format_func("cxr") == "Pneumothorax detection (chest x-ray)"
    by_label = {n.label: n.value for n in again.sidebar.number_input}
    patience, epochs = by_label["Early-stopping patience (epochs without improvement)"], by_label["Max epochs"]
    assert patience <= epochs  # the demo defaults: patience 6 of at most 30 epochs


def _cancel(app, key: str) -> None:
    """Cancel the job `key` from the page (its Cancel button reruns the whole page) and wait for it."""
    from core.jobs import cancel_job, wait_for

    cancel_buttons = [b for b in app.button if b.key == f"cancel_{key}"]
    if cancel_buttons:  # still running
        cancel_buttons[0].click().run()
        assert not any("already running" in t for t in texts(app.error))
        assert not any(b.key == f"cancel_{key}" for b in app.button)
    # The job stops at its next batch; one still importing TensorFlow is ended now rather than
    # waited for (the cancel itself is tested in tests/test_jobs.py)
    cancel_job(key, grace_s=0.5)
    assert wait_for(key, timeout_s=180).status in ("cancelled", "done", "failed")
