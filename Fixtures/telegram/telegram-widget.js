// Stand-in for telegram.org/js/telegram-widget.js: the fixture page already holds the frame it would create.
