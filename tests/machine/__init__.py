"""The machine under the tracker: damaged files, full disks, shared files, signals."""
