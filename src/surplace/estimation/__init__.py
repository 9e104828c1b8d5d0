"""Multiple systems estimation (capture–recapture): how many people no list saw.

The public surface is small: read capture histories (:mod:`.histories`), then call
:func:`surplace.estimation.service.estimate`. The methods live in their own modules
(:mod:`.twolist`, :mod:`.loglinear`, :mod:`.dga`, :mod:`.lcmcr`) and can be used directly.
Nothing here touches the store: the histories are counts by list pattern, never identities.
"""
