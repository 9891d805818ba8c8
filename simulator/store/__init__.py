"""Result folders on disk: one place that names, stages, writes and reads them."""
