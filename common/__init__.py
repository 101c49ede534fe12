"""The bottom layer: vocabulary every other package may use; it imports nothing of ours."""
