"""Research and training tools: never imported on the serving path.

Training (`train`), evaluation and the model card (`evaluate`, `model_card`), threshold
calibration (`calibrate`), weight-space tools (`soup`, `interpolate`), the CPU code-path
pins that make training reproducible (`cpu_paths`), and the data loaders (`data` for the
public datasets, `school` and `lexicon` for the hand-written school rows and weak labels).
"""
