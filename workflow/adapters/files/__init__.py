"""File adapters: definition and plan YAML on disk, attachment bytes on disk.
"""
