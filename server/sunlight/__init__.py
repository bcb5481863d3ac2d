"""The sunlight list (成绩晒单): public pages, the figures, the committee's assessment."""
