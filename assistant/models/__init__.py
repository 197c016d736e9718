"""Data files of the assistant: the stance head's weights (stance_head.npz)."""
