/// The live view page's style sheet (see ``LiveViewPage``).
enum PageStyle {
    static let css = """

    :root { color-scheme: light dark; font: 15px/1.4 system-ui, sans-serif; }
    * { box-sizing: border-box; }
    body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .5rem 1rem;
             border-bottom: 1px solid #8884; }
    h1 { font-size: 1rem; margin: 0; flex: 0 1 auto; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    form { display: flex; gap: .4rem; align-items: center; flex: 1 1 20rem; }
    form label { font-size: .85rem; opacity: .75; }
    form input { flex: 1; min-width: 8rem; font: inherit; padding: .25rem .4rem; }
    button { font: inherit; padding: .3rem .8rem; cursor: pointer; }
    #done { font-weight: 600; background: #1f7a3a; color: #fff; border: 1px solid #155c2b; border-radius: 4px; }
    #done:disabled { opacity: .6; cursor: default; }
    main { flex: 1; display: flex; flex-direction: column; align-items: center; padding: .75rem; }
    #frame { position: relative; line-height: 0; outline: 1px solid #8886; }
    #frame.focused { outline: 3px solid #2b7de9; }
    #view { display: block; cursor: default; user-select: none; -webkit-user-select: none; }
    #view:not([src]) { display: none; }
    /* The keyboard's landing place: focused, but neither seen nor in the way of the mouse. It sits
       over the view so that an input method's candidate window opens there. */
    #keys { position: absolute; left: 0; top: 0; width: 1px; height: 1px; opacity: 0; resize: none;
            border: 0; padding: 0; pointer-events: none; overflow: hidden; }
    #waiting { opacity: .7; }
    footer { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; padding: .4rem 1rem; border-top: 1px solid #8884;
             font-size: .9rem; }
    #connection { opacity: .75; }
    #status { font-weight: 600; }
    #hint { opacity: .75; margin-left: auto; }

    """
}
