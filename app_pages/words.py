"""The pages' plain words (not a page itself): one line of help for every control a newcomer
meets (HELP, by the control's name), and the glossary every page reaches from the sidebar
(GLOSSARY): each term of the field explained once, for a clinician or a student."""

from __future__ import annotations

HELP = {
    "true_class": "What the image really shows, if you know it. The verdicts then say whether each model was "
                  "right before and after the change; unknown: each model is compared with its own first answer.",
    "image_source": "Where the image comes from: the synthetic demo pictures, photographs shipped with installed "
                    "packages, a file of your own, or a dataset in the data folder.",
    "dataset_path": "A folder (or MedMNIST file) inside the server's data folder; paths outside it are refused.",
    "dataset_format": "How the dataset is laid out on disk: HAM10000, Kaggle DR, ChestX-ray14, MedMNIST, or one "
                      "sub-folder per class.",
    "restarts": "How many times the attack starts again from a different random point; the most damaging result is "
                "kept. More restarts: a stronger, slower attack.",
    "transfer": "Give each attentive model the noise made for its vanilla twin instead of attacking it directly: does "
                "noise made for one model fool another?",
    "models": "Which models to show side by side; by default the paper's four (two backbones, each with and without "
              "soft attention).",
    "example": "One of the synthetic demo images; its true class is known by construction.",
    "photograph": "A real photograph shipped with an installed package (its source and licence are shown below).",
    "upload": "An image of your own; it stays on this server and is not kept. These models were trained on synthetic "
              "images: their answers on yours are not a diagnosis.",
    "dataset_index": "Which image of the dataset to attack.",
    "perturbation": "An attack (noise computed to fool each model), a visible adversarial patch (a small square "
                    "of pixels placed where a sticker, ink or a marker would be), or a natural corruption (blur, "
                    "noise, exposure: what happens in clinics every day).",
    "saliency": "How the heatmaps are computed: where in the image the model's answer comes from.",
    "threat": "L∞: every pixel may change by at most ε (the paper's threat). L2: a budget of total change, "
              "which the attack may spend on a few pixels a lot or many a little; here the budget equals an ε change "
              "over a lesion-sized square.",
    "patch_area": "How much of the image the patch covers. Its pixels can be anything: it is visible, like a "
                  "sticker on the skin, a marker on a radiograph or a smudge on the lens.",
    "explain": "Which answer the heatmaps explain: the model's own answer (before and after the change), the "
               "true class, or any class you choose (\"what in this image speaks for melanoma?\").",
    "beside_bundled": "Put the bundled demo models of this task beside your own, each attacked on the same image "
                      "(resized to each model's input size): how does your model compare with the paper's four?",
    "layer": "Which feature map of your model Grad-CAM reads: the one chosen at import (the last with a spatial "
             "map), or the last map of an earlier, finer scale, whose heatmap is sharper but less about the class.",
    "seed": "The number the random choices start from: the same seed gives the same result again.",
    "protocol": "How hard the models are attacked: the strong protocol (several attacks; an image counts as robust "
                "only if it survives them all) or the paper's single PGD attack.",
    "grid": "The sizes of change to test, on the [0, 1] pixel scale (1/255 = 0.0039 is one grey level of an 8-bit "
            "image).",
    "test_images": "How many test images each point is measured on: more images give narrower intervals and take "
                   "longer.",
    "pgd_steps": "How many small steps the attack takes; more steps find stronger noise.",
    "loss": "What the attack pushes on: the cross-entropy (the paper's) or the margin between the right class and the "
            "best wrong one (it does not stall on over-confident models).",
    "presets": "The sizes of change the paper tested; click one to see it.",
    "epsilon": "The largest change allowed to any one pixel, on the [0, 1] scale: 1/255 is one grey level of an 8-bit "
               "image, too small to see.",
    "epsilon_l2": "In the L2 threat, ε sets the radius: the L2 length of a change of ε on every pixel of a "
                  "lesion-sized square (a quarter of the image's side). The attack may spend it anywhere, a large "
                  "change on a few pixels or a small one on many.",
    "task": "Which medical task: skin lesions (7 kinds), diabetic retinopathy (referable or not) or a "
            "pneumothorax on chest x-rays.",
    "zoo": "The bundled demo models, or the models you trained yourself.",
    "slider_model": "Which model's images the comparison slider shows.",
    "corruption": "Which natural corruption to look at.",
    "confusion_model": "Which model's table of what each class becomes.",
    "read_at": "The size of change at which the table or the sentences are read.",
    "surface_image": "Which test image's loss surface to draw: how the model's error changes around that image.",
}

GLOSSARY = {
    "ε (epsilon)": "The size of the change an attack may make. For L∞ attacks: the most any one pixel may change, on a "
                   "[0, 1] scale where 1/255 is one grey level of an 8-bit image.",
    "L∞": "A way to measure a change by its largest single pixel change: every pixel may move, none by more than ε.",
    "L2": "A way to measure a change by its overall energy (the square root of the sum of squared pixel changes): a "
          "few pixels may change a lot, or many a little.",
    "adversarial example": "An image changed on purpose, often invisibly, so that a model gets it wrong.",
    "PGD": "Projected gradient descent: the standard attack. It takes small steps that increase the model's error, "
           "each kept within ε of the original image.",
    "APGD": "Auto-PGD: PGD that adapts its step size as it goes (Croce & Hein 2020); part of AutoAttack.",
    "Square attack": "An attack that needs only the model's answers, not its gradients: it tries random square "
                     "patches of noise and keeps what hurts most.",
    "strong protocol": "Several attacks in turn (PGD, APGD, Square); an image counts as robust only if it survives "
                       "all of them (AutoAttack's rule).",
    "robust accuracy": "The share of test images a model still classifies correctly under attack.",
    "soft attention": "A block added to the network that learns which regions of the image to weigh more "
                      "(Datta et al. 2021): the paper's question is whether it makes the model harder to fool.",
    "twin": "The same network with and without soft attention, trained the same way: the pair the paired tests "
            "compare.",
    "saliency map": "A heatmap of where in the image the model's answer comes from (e.g. Grad-CAM).",
    "Grad-CAM": "A saliency map from the gradients of the model's answer with respect to its last feature maps.",
    "95 % interval": "The range of values compatible with the data: with more images it narrows.",
    "Wilson interval": "The 95 % interval used for a proportion such as an accuracy (Wilson 1927).",
    "McNemar test": "A test of whether two models differ on the same images, counting only the images where they "
                    "disagree.",
    "Holm adjustment": "A correction for testing many ε at once: a difference is called significant only if it "
                       "survives it.",
    "p-value": "How surprising the observed difference would be if the two models were in fact equal; small (below "
               "0.05 after adjustment) means a difference was detected.",
    "natural corruption": "A change that happens without an attacker: noise, blur, exposure, compression, the "
                          "modality's own artefacts.",
    "adversarial training (PGD-AT)": "The standard defence: training on attacked images, which buys robustness at "
                                     "some cost in clean accuracy.",
    "sensitivity / specificity": "The share of positive cases found / of negative cases correctly cleared, at the "
                                 "model's operating point.",
    "operating point": "The probability threshold above which the model calls a case positive.",
    "ε* (smallest flipping ε)": "The smallest change that makes a model change its answer on one image.",
}


# The field's words as the pages write them, each with its glossary entry (tests/app_pages/test_words.py
# checks that every one the pages use is explained).
TERMS = {"ε": "ε (epsilon)", "L∞": "L∞", "L2": "L2", "PGD": "PGD", "APGD": "APGD", "Square": "Square attack",
         "strong protocol": "strong protocol", "robust accuracy": "robust accuracy", "soft attention": "soft attention",
         "twin": "twin", "saliency": "saliency map", "Grad-CAM": "Grad-CAM", "95 % interval": "95 % interval",
         "Wilson": "Wilson interval", "McNemar": "McNemar test", "Holm": "Holm adjustment", "p = ": "p-value",
         "corruption": "natural corruption", "PGD-AT": "adversarial training (PGD-AT)",
         "sensitivity": "sensitivity / specificity", "operating point": "operating point",
         "smallest flipping ε": "ε* (smallest flipping ε)"}
