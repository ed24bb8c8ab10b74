"""An image scraper for the tutorials gallery: the figures ``tunelab.plot`` returns."""

import weakref

__all__ = ["FigureScraper"]


class FigureScraper:
    """Images of the ``matplotlib.figure.Figure`` objects a tutorial's code block made.

    ``tunelab.plot`` returns figures that pyplot does not manage, so sphinx-gallery's own
    matplotlib scraper, which reads pyplot's figure list, sees none of them. This one finds
    the figures among the example's global names after each block, and shows each once.
    """

    def __init__(self):
        self.shown = weakref.WeakSet()

    def __reduce__(self):  # Sphinx pickles its configuration: without the figures seen
        return (FigureScraper, ())

    def __repr__(self):  # sphinx-gallery compares configurations by repr
        return "FigureScraper()"

    def __call__(self, block, block_vars, gallery_conf):
        from matplotlib.figure import Figure
        from sphinx_gallery.scrapers import figure_rst

        new = [v for v in block_vars["example_globals"].values()
               if isinstance(v, Figure) and v not in self.shown]
        paths = []
        for fig, path in zip(new, block_vars["image_path_iterator"], strict=False):
            fig.savefig(path, dpi=100)
            self.shown.add(fig)
            paths.append(path)
        return figure_rst(paths, gallery_conf["src_dir"])
