"""Small machine-learning pieces the steps share: a linear model and its calibration."""
