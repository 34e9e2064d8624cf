"""RFC 3161 time-stamping for notify: authority, client, verifier, Merkle trees.

The "dispositif d'horodatage du site" of R. 223-3-1 III of the Code de la route. No
Flask and no database here: the application wires these modules in.
"""
