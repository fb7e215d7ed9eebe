"""faust agents. Each module registers one agent; bodies stay thin (decode → … → send)."""
