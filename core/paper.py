"""The paper's attack settings (section 3.4): foolbox's LinfPGD defaults, as it ran them."""

PAPER_STEPS = 40
PAPER_REL_STEPSIZE = 0.01 / 0.3  # step = eps / 30
