"""The user's own classifier, imported: a Keras (`.keras`, legacy `.h5`), TensorFlow
SavedModel or ONNX model (PyTorch through `torch.onnx.export`) made into a model of this
tool, so every attack, check, saliency map, curve and report works on it unchanged.

    import_model("ham_resnet.onnx", task="derm", output="logits", preprocessing="imagenet",
                 class_names=["mel", "nv", "bcc", "akiec", "bkl", "df", "vasc"])

The imported model takes RGB images in [0, 1] (its preprocessing is a layer inside it), has
a layer named "logits" (the task's classes, in the task's order) and one named
"probabilities", and a Grad-CAM layer marked "saliency_features". Before it is kept, its
probabilities on synthetic images of the task are checked against the original runtime's
(Keras, TensorFlow or onnxruntime) within 1e-4; the difference, the file's SHA-256, the
converter and its version are written on its card. It joins the "user" profile of the zoo
(`core.models.zoo.available("user")`), under checkpoints/user/<task>/.
"""

from core.models.imported.importer import MAX_MODEL_BYTES, import_model
from core.models.imported.settings import OUTPUTS, PREPROCESSINGS, ImportSettings, ModelImportError

__all__ = ["MAX_MODEL_BYTES", "OUTPUTS", "PREPROCESSINGS", "ImportSettings", "ModelImportError", "import_model"]
