"""The figures' shared look: one colour per variant (vanilla blue, attentive red), one marker
per training defence, percentages on [0, 1]."""

COLOURS = {False: "#4c78a8", True: "#e45756"}  # attention off / on
BANDS = {False: "rgba(76,120,168,0.15)", True: "rgba(228,87,86,0.15)"}  # their 95 % interval bands
PERCENT_AXIS = dict(range=[0, 1.02], tickformat=".0%", dtick=0.2)
SYMBOLS = {"none": "circle", "pgd-at": "square", "trades": "diamond"}


def dash_for(spec) -> str:
    """Solid for the ResNet-50 family, dotted for InceptionResNetV2."""
    return "solid" if spec.backbone == "resnet50" else "dot"
