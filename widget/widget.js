/*!
 * Frontdesk chat widget: one <script> tag adds a Help launcher and a chat
 * panel answered by the help center's bot.
 *
 *   <script src="https://help.example.com/widget.js" data-frontdesk-url="" defer></script>
 *
 * data-frontdesk-url: base URL of the Frontdesk server. Empty or missing: the
 * origin of this script's src.
 *
 * Plain modern JavaScript, no dependencies, no build step. Everything lives in
 * an open shadow root, so the host page's styles do not leak in and ours do
 * not leak out. The only global is window.Frontdesk.
 */
(() => {
  "use strict";

  if (window.Frontdesk && window.Frontdesk.version) return; // loaded twice

  const VERSION = "1";
  const MAX_LENGTH = 2000;
  const COUNTER_FROM = 1800; // show the character counter from this length on
  const MAX_STORED_MESSAGES = 60;
  const REQUEST_TIMEOUT_MS = 30000;

  // ----- where we come from -------------------------------------------------

  const script =
    document.currentScript ||
    document.querySelector("script[data-frontdesk-url]") ||
    document.querySelector('script[src$="/widget.js"]');

  function computeBase() {
    const attr = script ? (script.getAttribute("data-frontdesk-url") || "").trim() : "";
    if (attr) {
      try {
        const u = new URL(attr, location.href);
        return (u.origin + u.pathname).replace(/\/+$/, "");
      } catch (_) {
        /* fall through */
      }
    }
    if (script && script.src) {
      try {
        return new URL(script.src, location.href).origin;
      } catch (_) {
        /* fall through */
      }
    }
    return location.origin;
  }

  const base = computeBase();
  const storageKey = "frontdesk:v1:" + base;

  // ----- labels ---------------------------------------------------------------

  const LABELS = {
    en: {
      launcher: "Help",
      launcherAria: "Open help chat",
      dialog: "Help chat",
      title: "Help",
      newConversation: "New conversation",
      newConversationShort: "New",
      minimise: "Minimise",
      suggested: "Suggested for this page",
      intro: "Ask a question: the answer comes from the help center, with links to the articles it is based on.",
      inputLabel: "Your question",
      placeholder: "Ask a question…",
      send: "Send",
      you: "You said:",
      bot: "Help bot said:",
      typing: "typing…",
      typingSr: "The help bot is typing…",
      sources: "Sources",
      voteAsk: "Did this answer your question?",
      voteYes: "Yes",
      voteNo: "No",
      voteThanks: "Thanks for telling us.",
      voteSorry: "Sorry it did not help. What was missing? (optional)",
      voteSend: "Send",
      voteSent: "Thank you: it helps us improve the help center.",
      rateAsk: "How was your chat?",
      rateStar: "{n} out of 5",
      rateComment: "Anything to add? (optional)",
      rateThanks: "Thanks for rating the chat.",
      articleAsk: "Was this article helpful?",
      createTicket: "Create a ticket",
      networkError: "Could not reach the help service. Try again.",
      tooLong: "Your question is too long.",
      opensNewTab: "(opens in a new tab)",
      ticketTypes: { bug_report: "Bug report", feature_request: "Feature request", settings_help: "Settings help" },
      ticketTitle: "Create a ticket",
      ticketShort: "Ticket",
      chatPlaceholder: "Write to {name}…",
      chatPlaceholderWaiting: "Write your message…",
      chatTyping: "{name} is typing…",
      unread: "{n} new messages",
      titleNew: "New message",
      replySoon: "Usually replies in under a minute",
      replyFew: "Usually replies in a few minutes",
      replyMinutes: "Usually replies in about {n} minutes",
      replyHours: "Usually replies in about {n} hours",
      searchLabel: "Search the help center",
      searchNothing: "No article matches. Ask your question below.",
      showingFor: "Showing results for",
      chatWithPerson: "Chat with a person",
      chatWaiting: "Waiting for an operator… {n} ahead of you.",
      chatNext: "Waiting for an operator… You are next.",
      chatEta: "About {m} min.",
      chatBusy: "All operators are busy. You can keep waiting, or leave a ticket.",
      chatJoined: "{name} joined the chat.",
      chatLeaveTicket: "Leave a ticket",
      chatAttach: "Send a file",
      chatFileFailed: "The file could not be sent: {why}",
      chatInvite: "{name} would like to chat with you about ticket #{n}.",
      chatAccept: "Accept",
      chatDecline: "Not now",
      chatInviteOver: "The invitation to chat is no longer open.",
      chatHistory: "Your previous chats",
      chatHistoryShort: "Chats",
      chatWho: "To chat with a person, confirm your email: we send you a 6-digit code.",
      chatSendCode: "Send the code",
      chatConfirm: "Confirm and chat",
      chatHistoryEmpty: "You have not chatted with us yet.",
      chatWith: "With {name}",
      chatNoOperator: "Nobody took this chat",
      close: "Close",
      ticketIntro: "Our team will answer by email. The conversation with the bot is attached.",
      ticketType: "Type",
      ticketPriority: "Priority",
      priorities: { low: "Low", normal: "Normal", high: "High", urgent: "Urgent" },
      ticketDescription: "Description",
      ticketFiles: "Attachments (optional)",
      ticketEmail: "Your email",
      ticketCode: "The 6-digit code we emailed you",
      ticketSendCode: "Email me a code",
      ticketConfirm: "Confirm and send",
      ticketSubmit: "Send the ticket",
      ticketCancel: "Back to the chat",
      ticketCreated: "Ticket #{n} is created. We will answer by email.",
      ticketFollow: "Follow it",
      ticketByEmail: "We will answer you by email. To follow it online too,",
      setPassword: "choose a password for the support portal",
      hello: "Hello, {name}!",
      ticketCodeSent: "We emailed a code to {email}.",
      required: "required",
    },
    fr: {
      launcher: "Aide",
      launcherAria: "Ouvrir le chat d'aide",
      dialog: "Chat d'aide",
      title: "Aide",
      newConversation: "Nouvelle conversation",
      newConversationShort: "Nouvelle",
      minimise: "Réduire",
      suggested: "Suggestions pour cette page",
      intro: "Posez une question : la réponse vient du centre d'aide, avec des liens vers les articles utilisés.",
      inputLabel: "Votre question",
      placeholder: "Posez une question…",
      send: "Envoyer",
      you: "Vous avez écrit :",
      bot: "L'assistant a répondu :",
      typing: "écrit…",
      typingSr: "L'assistant écrit…",
      sources: "Sources",
      voteAsk: "Cette réponse vous a-t-elle aidé ?",
      voteYes: "Oui",
      voteNo: "Non",
      voteThanks: "Merci de nous l'avoir dit.",
      voteSorry: "Désolé. Que manquait-il ? (facultatif)",
      voteSend: "Envoyer",
      voteSent: "Merci : cela nous aide à améliorer le centre d'aide.",
      rateAsk: "Comment s'est passée la discussion ?",
      rateStar: "{n} sur 5",
      rateComment: "Quelque chose à ajouter ? (facultatif)",
      rateThanks: "Merci d'avoir noté la discussion.",
      articleAsk: "Cet article vous a-t-il aidé ?",
      createTicket: "Créer un ticket",
      networkError: "Impossible de joindre le service d'aide. Réessayez.",
      tooLong: "Votre question est trop longue.",
      opensNewTab: "(s'ouvre dans un nouvel onglet)",
      ticketTypes: { bug_report: "Signalement de bug", feature_request: "Demande de fonctionnalité", settings_help: "Aide au paramétrage" },
      ticketTitle: "Créer un ticket",
      ticketShort: "Ticket",
      chatPlaceholder: "Écrire à {name}…",
      chatPlaceholderWaiting: "Écrivez votre message…",
      chatTyping: "{name} écrit…",
      unread: "{n} nouveaux messages",
      titleNew: "Nouveau message",
      replySoon: "Répond en général en moins d'une minute",
      replyFew: "Répond en général en quelques minutes",
      replyMinutes: "Répond en général en {n} minutes environ",
      replyHours: "Répond en général en {n} heures environ",
      searchLabel: "Rechercher dans le centre d'aide",
      searchNothing: "Aucun article ne correspond. Posez votre question ci-dessous.",
      showingFor: "Résultats pour",
      chatWithPerson: "Discuter avec une personne",
      chatWaiting: "En attente d'un opérateur… {n} avant vous.",
      chatNext: "En attente d'un opérateur… Vous êtes le prochain.",
      chatEta: "Environ {m} min.",
      chatBusy: "Tous les opérateurs sont occupés. Vous pouvez patienter ou laisser un ticket.",
      chatJoined: "{name} a rejoint la discussion.",
      chatLeaveTicket: "Laisser un ticket",
      chatAttach: "Envoyer un fichier",
      chatFileFailed: "Le fichier n’a pas pu être envoyé : {why}",
      chatInvite: "{name} souhaite discuter avec vous du ticket n° {n}.",
      chatAccept: "Accepter",
      chatDecline: "Pas maintenant",
      chatInviteOver: "L’invitation à discuter n’est plus valable.",
      chatHistory: "Vos discussions précédentes",
      chatHistoryShort: "Discussions",
      chatWho: "Pour discuter avec une personne, confirmez votre e-mail : nous vous envoyons un code à 6 chiffres.",
      chatSendCode: "Envoyer le code",
      chatConfirm: "Confirmer et discuter",
      chatHistoryEmpty: "Vous n’avez pas encore discuté avec nous.",
      chatWith: "Avec {name}",
      chatNoOperator: "Personne n’a pris cette discussion",
      close: "Fermer",
      ticketIntro: "Notre équipe vous répondra par e-mail. La conversation avec l'assistant est jointe.",
      ticketType: "Type",
      ticketPriority: "Priorité",
      priorities: { low: "Basse", normal: "Normale", high: "Haute", urgent: "Urgente" },
      ticketDescription: "Description",
      ticketFiles: "Pièces jointes (facultatif)",
      ticketEmail: "Votre e-mail",
      ticketCode: "Le code à 6 chiffres reçu par e-mail",
      ticketSendCode: "M'envoyer un code",
      ticketConfirm: "Confirmer et envoyer",
      ticketSubmit: "Envoyer le ticket",
      ticketCancel: "Retour au chat",
      ticketCreated: "Le ticket n°{n} est créé. Nous vous répondrons par e-mail.",
      ticketFollow: "Le suivre",
      ticketByEmail: "Nous vous répondrons par e-mail. Pour le suivre aussi en ligne,",
      setPassword: "choisissez un mot de passe pour le portail d'assistance",
      hello: "Bonjour {name} !",
      ticketCodeSent: "Nous avons envoyé un code à {email}.",
      required: "obligatoire",
    },
    ro: {
      launcher: "Ajutor",
      launcherAria: "Deschide chatul de ajutor",
      dialog: "Chat de ajutor",
      title: "Ajutor",
      newConversation: "Conversație nouă",
      newConversationShort: "Nouă",
      minimise: "Minimizează",
      suggested: "Sugestii pentru această pagină",
      intro: "Puneți o întrebare: răspunsul vine din centrul de ajutor, cu linkuri către articolele folosite.",
      inputLabel: "Întrebarea dvs.",
      placeholder: "Puneți o întrebare…",
      send: "Trimite",
      you: "Ați scris:",
      bot: "Asistentul a răspuns:",
      typing: "scrie…",
      typingSr: "Asistentul scrie…",
      sources: "Surse",
      voteAsk: "V-a ajutat acest răspuns?",
      voteYes: "Da",
      voteNo: "Nu",
      voteThanks: "Vă mulțumim că ne-ați spus.",
      voteSorry: "Ne pare rău. Ce a lipsit? (opțional)",
      voteSend: "Trimiteți",
      voteSent: "Vă mulțumim: ne ajută să îmbunătățim centrul de ajutor.",
      rateAsk: "Cum a fost conversația?",
      rateStar: "{n} din 5",
      rateComment: "Mai doriți să adăugați ceva? (opțional)",
      rateThanks: "Vă mulțumim pentru evaluare.",
      articleAsk: "V-a fost util acest articol?",
      createTicket: "Creează un tichet",
      networkError: "Serviciul de ajutor nu poate fi contactat. Încercați din nou.",
      tooLong: "Întrebarea este prea lungă.",
      opensNewTab: "(se deschide într-o filă nouă)",
      ticketTypes: { bug_report: "Raportare de eroare", feature_request: "Cerere de funcționalitate", settings_help: "Ajutor la setări" },
      ticketTitle: "Creează un tichet",
      ticketShort: "Tichet",
      chatPlaceholder: "Scrieți-i lui {name}…",
      chatPlaceholderWaiting: "Scrieți mesajul…",
      chatTyping: "{name} scrie…",
      unread: "{n} mesaje noi",
      titleNew: "Mesaj nou",
      replySoon: "De obicei răspunde în mai puțin de un minut",
      replyFew: "De obicei răspunde în câteva minute",
      replyMinutes: "De obicei răspunde în aproximativ {n} minute",
      replyHours: "De obicei răspunde în aproximativ {n} ore",
      searchLabel: "Căutați în centrul de ajutor",
      searchNothing: "Niciun articol nu corespunde. Puneți întrebarea mai jos.",
      showingFor: "Rezultate pentru",
      chatWithPerson: "Discutați cu o persoană",
      chatWaiting: "Așteptați un operator… {n} înaintea dvs.",
      chatNext: "Așteptați un operator… Urmează rândul dvs.",
      chatEta: "Aproximativ {m} min.",
      chatBusy: "Toți operatorii sunt ocupați. Puteți aștepta sau lăsa un tichet.",
      chatJoined: "{name} s-a alăturat discuției.",
      chatLeaveTicket: "Lăsați un tichet",
      chatAttach: "Trimiteți un fișier",
      chatFileFailed: "Fișierul nu a putut fi trimis: {why}",
      chatInvite: "{name} ar dori să discute cu dumneavoastră despre tichetul #{n}.",
      chatAccept: "Acceptați",
      chatDecline: "Nu acum",
      chatInviteOver: "Invitația la discuție nu mai este valabilă.",
      chatHistory: "Discuțiile dumneavoastră anterioare",
      chatHistoryShort: "Discuții",
      chatWho: "Pentru a discuta cu o persoană, confirmați e-mailul: vă trimitem un cod din 6 cifre.",
      chatSendCode: "Trimiteți codul",
      chatConfirm: "Confirmați și discutați",
      chatHistoryEmpty: "Nu ați discutat încă cu noi.",
      chatWith: "Cu {name}",
      chatNoOperator: "Nimeni nu a preluat această discuție",
      close: "Închideți",
      ticketIntro: "Echipa noastră vă va răspunde prin e-mail. Conversația cu asistentul este atașată.",
      ticketType: "Tip",
      ticketPriority: "Prioritate",
      priorities: { low: "Scăzută", normal: "Normală", high: "Ridicată", urgent: "Urgentă" },
      ticketDescription: "Descriere",
      ticketFiles: "Atașamente (opțional)",
      ticketEmail: "E-mailul dvs.",
      ticketCode: "Codul de 6 cifre primit prin e-mail",
      ticketSendCode: "Trimite-mi un cod",
      ticketConfirm: "Confirmă și trimite",
      ticketSubmit: "Trimite tichetul",
      ticketCancel: "Înapoi la chat",
      ticketCreated: "Tichetul nr. {n} a fost creat. Vă vom răspunde prin e-mail.",
      ticketFollow: "Urmăriți-l",
      ticketByEmail: "Vă răspundem prin e-mail. Pentru a-l urmări și online,",
      setPassword: "alegeți o parolă pentru portalul de asistență",
      hello: "Bună, {name}!",
      ticketCodeSent: "V-am trimis un cod la {email}.",
      required: "obligatoriu",
    },
  };

  const pageLang = (document.documentElement.getAttribute("lang") || "").trim();
  const t = LABELS[pageLang.slice(0, 2).toLowerCase()] || LABELS.en;

  // ----- state ----------------------------------------------------------------

  function emptyState() {
    return { conversationId: null, conversationKey: null, open: false, messages: [] };
  }

  function loadState() {
    try {
      const raw = localStorage.getItem(storageKey);
      if (!raw) return emptyState();
      const s = JSON.parse(raw);
      if (!s || typeof s !== "object" || !Array.isArray(s.messages)) return emptyState();
      return {
        // Ids are 32 hex characters; anything else (an older format) starts afresh.
        conversationId: typeof s.conversationId === "string" && /^[0-9a-f]{32}$/.test(s.conversationId) ? s.conversationId : null,
        // The conversation's key: with the id, it proves this browser started it.
        conversationKey: typeof s.conversationKey === "string" && /^[0-9a-f]{32}$/.test(s.conversationKey) ? s.conversationKey : null,
        open: s.open === true,
        messages: s.messages.filter((m) => m && (m.role === "user" || m.role === "bot") && typeof m.text === "string"),
      };
    } catch (_) {
      return emptyState();
    }
  }

  let state = loadState();

  function saveState() {
    try {
      if (state.messages.length > MAX_STORED_MESSAGES) {
        state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
      }
      localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (_) {
      /* storage full or disabled: the widget still works for this page */
    }
  }

  // ----- small DOM helpers ----------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === "class") node.className = v;
        else if (k === "text") node.textContent = v;
        else node.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  /** A decorative 24×24 icon: a filled shape, or a stroked outline. */
  function svgIcon(size, d, outline, cls) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (cls) svg.setAttribute("class", cls);
    const path = document.createElementNS(SVG_NS, "path");
    if (outline) {
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", "currentColor");
      path.setAttribute("stroke-width", "2");
      path.setAttribute("stroke-linecap", "round");
      path.setAttribute("stroke-linejoin", "round");
    } else {
      path.setAttribute("fill", "currentColor");
    }
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  }

  function chatIcon() {
    return svgIcon(
      22,
      "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9.4l-4.7 3.8A1 1 0 0 1 3 21V5a2 2 0 0 1 1-2zm7 10.5a1.2 1.2 0 1 0 0 2.4 1.2 1.2 0 0 0 0-2.4zM12 5.5c-1.9 0-3.3 1.1-3.5 2.8h2c.1-.6.7-1 1.5-1 .9 0 1.5.5 1.5 1.2 0 .6-.3.9-1.1 1.4-1 .6-1.4 1.2-1.4 2.3v.3h1.9V12c0-.6.2-.9 1-1.4 1-.6 1.6-1.3 1.6-2.4 0-1.6-1.4-2.7-3.5-2.7z",
      false
    );
  }

  /** A paperclip (send a file) or a page (a file in the chat). */
  function fileIcon(kind) {
    return kind === "clip"
      ? svgIcon(20, "M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9", true, "fd-icon")
      : svgIcon(16, "M14 3H6a1 1 0 0 0-1 1v16a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V8zM14 3v5h5", true, "fd-icon");
  }

  /** Absolute, safe (http/https only) URL for a link from the server. */
  function resolveUrl(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const u = /^[a-z][a-z0-9+.-]*:/i.test(url) ? new URL(url) : new URL(base + (url.startsWith("/") ? "" : "/") + url);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  function newTabLink(href, text, testid) {
    const a = el("a", { href, target: "_blank", rel: "noopener noreferrer", "data-testid": testid || null });
    a.append(document.createTextNode(text), el("span", { class: "fd-sr", text: " " + t.opensNewTab }));
    return a;
  }

  /**
   * Inline formatting of plain answer text: **bold**, `code` and Markdown
   * links [text](url). Only text nodes and whitelisted elements are built,
   * server text never goes through innerHTML.
   */
  function appendInline(parent, text) {
    const re = /\*\*([^*\n]+?)\*\*|`([^`\n]+)`|\[([^\]\n]+)\]\(([^)\s]+)\)/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parent.append(document.createTextNode(text.slice(last, m.index)));
      if (m[1] !== undefined) parent.append(el("strong", { text: m[1] }));
      else if (m[2] !== undefined) parent.append(el("code", { text: m[2] }));
      else {
        const href = resolveUrl(m[4]);
        parent.append(href ? newTabLink(href, m[3]) : document.createTextNode(m[3]));
      }
      last = re.lastIndex;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  /** Paragraphs separated by blank lines; "- " lines as bullets, "1. " lines as steps. */
  function renderAnswer(text) {
    const frag = document.createDocumentFragment();
    const blocks = String(text).replace(/\r\n?/g, "\n").split(/\n[ \t]*\n+/);
    for (const block of blocks) {
      const lines = block.split("\n").filter((l) => l.trim() !== "");
      let list = null;
      let listKind = null;
      let para = null;
      for (const raw of lines) {
        const line = raw.trim();
        const bullet = /^[-*•]\s+(.*)$/.exec(line);
        const step = /^(\d{1,3})[.)]\s+(.*)$/.exec(line);
        if (bullet || step) {
          const kind = bullet ? "ul" : "ol";
          if (!list || listKind !== kind) {
            list = el(kind);
            if (step && step[1] !== "1") list.setAttribute("start", step[1]);
            listKind = kind;
            frag.append(list);
          }
          const li = el("li");
          appendInline(li, bullet ? bullet[1] : step[2]);
          list.append(li);
          para = null;
        } else if (list && /^\s{2,}/.test(raw)) {
          // continuation of the previous list item
          const li = list.lastElementChild;
          li.append(document.createTextNode(" "));
          appendInline(li, line);
        } else {
          list = null;
          listKind = null;
          if (!para) {
            para = el("p");
            frag.append(para);
          } else {
            para.append(el("br"));
          }
          appendInline(para, line);
        }
      }
    }
    return frag;
  }

  // ----- building the widget --------------------------------------------------

  const host = el("div", { id: "frontdesk-widget", "data-frontdesk": VERSION });
  host.style.cssText = "all: initial !important;";
  const root = host.attachShadow({ mode: "open" });

  const styleLink = el("link", { rel: "stylesheet", href: base + "/widget.css" });
  const container = el("div", { class: "fd-root", style: "visibility: hidden" });
  let revealed = false;
  function reveal() {
    if (revealed) return;
    revealed = true;
    container.removeAttribute("style");
  }
  styleLink.addEventListener("load", reveal);
  styleLink.addEventListener("error", reveal);
  setTimeout(reveal, 4000);

  const launcher = el(
    "button",
    { type: "button", class: "fd-launcher", "aria-label": t.launcherAria, "aria-expanded": "false", "data-testid": "launcher" },
    chatIcon(),
    el("span", { class: "fd-launcher-text", text: t.launcher })
  );
  // New live-chat messages while the panel is closed or the tab hidden.
  const unreadBadge = el("span", { class: "fd-unread", "data-testid": "unread", "aria-hidden": "true", hidden: true });
  launcher.append(unreadBadge);

  const titleId = "fd-title";
  const newConvButton = el("button", { type: "button", class: "fd-header-btn", "data-testid": "new-conversation", "aria-label": t.newConversation, title: t.newConversation, text: t.newConversationShort });
  const historyButton = el("button", { type: "button", class: "fd-header-btn", "data-testid": "chat-history-button", "aria-label": t.chatHistory, title: t.chatHistory, text: t.chatHistoryShort, hidden: true });
  const ticketButton = el("button", { type: "button", class: "fd-header-btn", "data-testid": "open-ticket-form", "aria-label": t.ticketTitle, title: t.ticketTitle, text: t.ticketShort });
  const minimiseButton = el("button", {
    type: "button",
    class: "fd-header-btn fd-minimise",
    "aria-label": t.minimise,
    title: t.minimise,
    "data-testid": "minimise",
    text: "–",
  });
  const header = el(
    "div",
    { class: "fd-header" },
    el("h2", { class: "fd-title", id: titleId, text: t.title }),
    el("div", { class: "fd-header-actions" }, historyButton, ticketButton, newConvButton),
    minimiseButton
  );

  const suggestionsList = el("ul", { class: "fd-suggestions-list" });
  const suggestions = el(
    "section",
    { class: "fd-suggestions", "data-testid": "suggestions", "aria-labelledby": "fd-suggested-title", hidden: true },
    el("h3", { id: "fd-suggested-title", text: t.suggested }),
    suggestionsList
  );
  const intro = el("p", { class: "fd-intro", text: t.intro });
  // The help center's search, on the widget's home (before any question).
  const searchInput = el("input", { type: "search", class: "fd-search-input", "aria-label": t.searchLabel, placeholder: t.searchLabel, maxlength: "500", "data-testid": "widget-search" });
  const searchResults = el("ul", { class: "fd-cards fd-search-results", "data-testid": "widget-search-results", "aria-live": "polite" });
  const searchForm = el("form", { class: "fd-search", role: "search", novalidate: true }, searchInput);
  const home = el("div", { class: "fd-home" }, searchForm, searchResults, intro);

  const messages = el("div", {
    class: "fd-messages",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": t.dialog,
    "data-testid": "messages",
  });

  const typing = el(
    "div",
    { class: "fd-typing", "data-testid": "typing" },
    el("span", { class: "fd-dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
    el("span", { class: "fd-typing-text", "aria-hidden": "true", text: t.typing }),
    el("span", { class: "fd-sr", text: t.typingSr })
  );

  const notice = el("div", { class: "fd-notice", role: "alert", "data-testid": "error", hidden: true });

  // "Oscar is typing…" during a live chat (the bot's dots are `typing`).
  const liveTyping = el("div", { class: "fd-live-typing", "data-testid": "operator-typing", "aria-live": "polite", hidden: true });

  const scroller = el("div", { class: "fd-scroll" }, home, suggestions, messages, liveTyping, notice);

  const input = el("textarea", {
    id: "fd-input",
    class: "fd-input",
    rows: "1",
    maxlength: String(MAX_LENGTH),
    placeholder: t.placeholder,
    "aria-describedby": "fd-counter",
    "data-testid": "input",
  });
  const counter = el("span", { id: "fd-counter", class: "fd-counter", hidden: true });
  const sendButton = el("button", { type: "submit", class: "fd-send", "data-testid": "send", disabled: true, text: t.send });
  // Files go into a live chat only (the bot reads text).
  const fileInput = el("input", { type: "file", class: "fd-sr", tabindex: "-1", "aria-hidden": "true", "data-testid": "chat-file-input" });
  const attachButton = el("button", { type: "button", class: "fd-attach", "data-testid": "chat-attach", title: t.chatAttach, "aria-label": t.chatAttach, hidden: true }, fileIcon("clip"));
  const form = el(
    "form",
    { class: "fd-form", novalidate: true },
    el("label", { for: "fd-input", class: "fd-sr", text: t.inputLabel }),
    attachButton,
    fileInput,
    input,
    el("div", { class: "fd-form-side" }, sendButton, counter)
  );

  // The ticket form takes the place of the conversation while it is open.
  const ticketView = el("section", { class: "fd-ticket-view", "data-testid": "ticket-form", "aria-labelledby": "fd-ticket-title", hidden: true });

  const panel = el(
    "div",
    { class: "fd-panel", role: "dialog", "aria-label": t.dialog, "aria-modal": "false", "data-testid": "panel", id: "fd-panel", hidden: true },
    header,
    scroller,
    ticketView,
    form
  );
  launcher.setAttribute("aria-controls", "fd-panel");

  container.append(panel, launcher);
  root.append(styleLink, container);

  // ----- rendering messages ---------------------------------------------------

  function ticketTypeLabel(type) {
    return (type && t.ticketTypes[type]) || null;
  }

  // ----- who the user is -------------------------------------------------------
  // (a) a portal session on the same host (cookie + CSRF token), (b) the host
  // product's signed identity (data-user-token, a JWT; or data-user-id with
  // data-user-hash, which binds no email), (c) an email confirmed
  // once with a code. (b) and (c) give a visitor token kept in this browser.

  const tokenKey = "frontdesk:v1:visitor:" + base;
  let identity = { kind: "anonymous", token: null, csrf: null, user: null };
  let identityReady = null;

  function storedToken() {
    try {
      const v = localStorage.getItem(tokenKey);
      return v && /^[0-9a-f]{32}$/.test(v) ? v : null;
    } catch (_) {
      return null;
    }
  }

  function storeToken(token) {
    try {
      if (token) localStorage.setItem(tokenKey, token);
      else localStorage.removeItem(tokenKey);
    } catch (_) {
      /* private mode: recognised for this page only */
    }
  }

  async function jsonFetch(path, options) {
    const res = await fetch(base + path, options);
    let body = null;
    try {
      body = await res.json();
    } catch (_) {
      body = null;
    }
    return { status: res.status, body };
  }

  const sameOrigin = (() => {
    try {
      return new URL(base).origin === location.origin;
    } catch (_) {
      return false;
    }
  })();

  // A host identity whose email belongs to an existing account: kept until
  // the user confirms that email with a code, which then links the two.
  let pendingHost = null;

  /** The `email` claim of a host's identity token (unverified here: only for prefilling). */
  function tokenEmail(jwt) {
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const claims = JSON.parse(atob(part + "===".slice((part.length + 3) % 4)));
      return typeof claims.email === "string" ? claims.email : "";
    } catch (_) {
      return "";
    }
  }

  async function resolveIdentity() {
    const attr = (name) => (script ? (script.getAttribute(name) || "").trim() : "");
    const hostToken = attr("data-user-token");
    const userId = script ? script.getAttribute("data-user-id") || "" : "";
    const userHash = attr("data-user-hash");
    const signed = hostToken ? { token: hostToken } : userId && userHash ? { user_id: userId, user_hash: userHash } : null;
    if (signed) {
      try {
        const r = await jsonFetch("/api/widget/identify", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(signed),
          credentials: "omit",
        });
        if (r.status === 200 && r.body && r.body.visitor_token) {
          storeToken(r.body.visitor_token);
          identity = { kind: "visitor", token: r.body.visitor_token, csrf: null, user: r.body.user };
          return;
        }
        // A refused identity is not carried over to someone else's token.
        storeToken(null);
        if (r.status === 409 && r.body && r.body.error === "email_confirmation_required" && hostToken) {
          pendingHost = { token: hostToken, email: tokenEmail(hostToken) };
        }
      } catch (_) {
        /* offline: stay anonymous */
      }
    }
    if (sameOrigin) {
      try {
        const r = await jsonFetch("/api/widget/me", { credentials: "same-origin" });
        if (r.status === 200 && r.body && r.body.kind === "portal") {
          identity = { kind: "portal", token: null, csrf: r.body.csrf_token, user: r.body.user };
          return;
        }
      } catch (_) {
        /* fall through */
      }
    }
    const token = storedToken();
    if (token) {
      try {
        const r = await jsonFetch("/api/widget/me", { headers: { Authorization: "Bearer " + token }, credentials: "omit" });
        if (r.status === 200 && r.body && r.body.kind === "visitor") {
          identity = { kind: "visitor", token, csrf: null, user: r.body.user };
          return;
        }
        if (r.status === 401) storeToken(null);
      } catch (_) {
        /* fall through */
      }
    }
    identity = { kind: "anonymous", token: null, csrf: null, user: null };
  }

  function authHeaders() {
    if (identity.kind === "portal") return { "X-CSRF-Token": identity.csrf };
    if (identity.kind === "visitor") return { Authorization: "Bearer " + identity.token };
    return {};
  }

  // ----- the ticket form ----------------------------------------------------------


  function field(id, label, control, required) {
    return el(
      "div",
      { class: "fd-field" },
      el("label", { for: id }, label, required ? el("span", { class: "fd-req", "aria-label": t.required, text: " *" }) : null),
      control,
      el("p", { class: "fd-field-error", id: id + "-error", "data-testid": id + "-error", hidden: true })
    );
  }

  function select(id, options, selected) {
    const sel = el("select", { id, name: id, "data-testid": id });
    for (const [value, label] of options) {
      const o = el("option", { value, text: label });
      if (value === selected) o.selected = true;
      sel.append(o);
    }
    return sel;
  }

  // ----- confirming an anonymous visitor's email (ticket form, chat) ------------------

  function requestEmailCode(address) {
    return jsonFetch("/api/widget/email-code", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: address, locale: pageLang.slice(0, 2).toLowerCase() || "en" }),
      credentials: "omit",
    });
  }

  /** Checks the code; on success the visitor is known from now on. */
  async function verifyEmailCode(address, code) {
    const r = await jsonFetch("/api/widget/email-code/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(
        pendingHost && pendingHost.email === address.toLowerCase()
          ? { email: address, code: code.trim(), identity_token: pendingHost.token }
          : { email: address, code: code.trim() }
      ),
      credentials: "omit",
    });
    if (r.status !== 200 || !r.body || !r.body.visitor_token) return r;
    pendingHost = null;
    storeToken(r.body.visitor_token);
    identity = { kind: "visitor", token: r.body.visitor_token, csrf: null, user: r.body.user };
    // Now known: earlier chats and invitations from operators reach them.
    watchInvitations();
    return null;
  }

  function showTicketForm(question, suggestedType) {
    hideNotice();
    ticketView.replaceChildren();
    const typeSel = select("fd-ticket-type", Object.entries(t.ticketTypes), suggestedType || "settings_help");
    const prioSel = select("fd-ticket-priority", Object.entries(t.priorities), "normal");
    const desc = el("textarea", { id: "fd-ticket-description", rows: "4", maxlength: "20000", "data-testid": "fd-ticket-description" });
    desc.value = question || "";
    const files = el("input", { id: "fd-ticket-files", type: "file", multiple: true, "data-testid": "fd-ticket-files" });
    const email = el("input", { id: "fd-ticket-email", type: "email", autocomplete: "email", "data-testid": "fd-ticket-email" });
    if (pendingHost) email.value = pendingHost.email;
    const code = el("input", { id: "fd-ticket-code", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", "data-testid": "fd-ticket-code" });
    const emailField = field("fd-ticket-email", t.ticketEmail, email, true);
    const codeField = field("fd-ticket-code", t.ticketCode, code, true);
    codeField.hidden = true;
    const status = el("p", { class: "fd-ticket-status", role: "status", "data-testid": "ticket-status" });
    const submit = el("button", { type: "submit", class: "fd-send fd-ticket-submit", "data-testid": "ticket-submit", text: t.ticketSubmit });
    const cancel = el("button", { type: "button", class: "fd-header-btn fd-ticket-cancel", "data-testid": "ticket-cancel", text: t.ticketCancel });
    const formEl = el(
      "form",
      { class: "fd-ticket-form", novalidate: true },
      el("h3", { id: "fd-ticket-title", text: t.ticketTitle }),
      el("p", { class: "fd-intro", text: t.ticketIntro }),
      field("fd-ticket-type", t.ticketType, typeSel, true),
      field("fd-ticket-priority", t.ticketPriority, prioSel, true),
      field("fd-ticket-description", t.ticketDescription, desc, true),
      field("fd-ticket-files", t.ticketFiles, files, false),
      emailField,
      codeField,
      status,
      el("div", { class: "fd-ticket-actions" }, cancel, submit)
    );
    ticketView.append(formEl);
    scroller.hidden = true;
    form.hidden = true;
    ticketView.hidden = false;

    const fieldIds = { type: "fd-ticket-type", priority: "fd-ticket-priority", description: "fd-ticket-description", files: "fd-ticket-files", email: "fd-ticket-email", code: "fd-ticket-code" };
    function clearErrors() {
      for (const p of ticketView.querySelectorAll(".fd-field-error")) {
        p.hidden = true;
        p.textContent = "";
      }
      status.textContent = "";
    }
    function fieldError(name, message) {
      const id = fieldIds[name];
      const p = id ? ticketView.querySelector("#" + id + "-error") : null;
      if (p) {
        p.textContent = message;
        p.hidden = false;
        const control = ticketView.querySelector("#" + id);
        if (control) control.focus();
      } else {
        status.textContent = message;
      }
    }
    function updateIdentityFields() {
      emailField.hidden = identity.kind !== "anonymous";
    }

    let codeSentTo = null;
    let busy = false;
    (identityReady || Promise.resolve()).then(updateIdentityFields);
    updateIdentityFields();

    async function confirmEmail() {
      const address = email.value.trim();
      if (!address) {
        fieldError("email", t.ticketEmail + ": " + t.required);
        return false;
      }
      if (codeSentTo !== address) {
        const r = await requestEmailCode(address);
        if (r.status !== 202) {
          fieldError((r.body && r.body.field) || "email", (r.body && r.body.message) || t.networkError);
          return false;
        }
        codeSentTo = address;
        codeField.hidden = false;
        submit.textContent = t.ticketConfirm;
        status.textContent = t.ticketCodeSent.replace("{email}", address);
        code.focus();
        return false;
      }
      const refused = await verifyEmailCode(address, code.value);
      if (refused) {
        fieldError("code", (refused.body && refused.body.message) || t.networkError);
        return false;
      }
      return true;
    }

    async function send() {
      const data = new FormData();
      data.append("type", typeSel.value);
      data.append("priority", prioSel.value);
      data.append("description", desc.value);
      data.append("source", "widget");
      data.append("page_url", location.href);
      if (state.conversationId) data.append("conversation_id", state.conversationId);
      if (state.conversationId && state.conversationKey) data.append("conversation_key", state.conversationKey);
      for (const f of files.files || []) data.append("files", f, f.name);
      const r = await jsonFetch("/api/tickets", {
        method: "POST",
        headers: authHeaders(),
        body: data,
        credentials: identity.kind === "portal" ? "same-origin" : "omit",
      });
      if (r.status === 201 && r.body) return r.body;
      if (r.status === 401) {
        storeToken(null);
        identity = { kind: "anonymous", token: null, csrf: null, user: null };
        updateIdentityFields();
      }
      fieldError((r.body && r.body.field) || "", (r.body && r.body.message) || t.networkError);
      return null;
    }

    formEl.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (busy) return;
      clearErrors();
      if (!desc.value.trim()) {
        fieldError("description", t.ticketDescription + ": " + t.required);
        return;
      }
      busy = true;
      submit.disabled = true;
      try {
        if (identityReady) await identityReady;
        if (identity.kind === "anonymous" && !(await confirmEmail())) return;
        const created = await send();
        if (created) showTicketCreated(created);
      } catch (_) {
        status.textContent = t.networkError;
      } finally {
        busy = false;
        submit.disabled = false;
      }
    });
    cancel.addEventListener("click", closeTicketForm);
    typeSel.focus();
  }

  function closeTicketForm() {
    ticketView.hidden = true;
    ticketView.replaceChildren();
    scroller.hidden = false;
    form.hidden = false;
    updateComposer();
    input.focus();
  }

  // ----- the user's earlier chats --------------------------------------------------------
  // Shown in place of the conversation, like the ticket form.

  async function showHistory() {
    if (identityReady) await identityReady;
    if (identity.kind === "anonymous") return;
    const creds = identity.kind === "portal" ? "same-origin" : "omit";
    let list;
    try {
      list = await jsonFetch("/api/chats", { headers: authHeaders(), credentials: creds });
    } catch (_) {
      showNotice(t.networkError);
      return;
    }
    if (list.status !== 200 || !Array.isArray(list.body)) {
      showNotice(t.networkError);
      return;
    }
    const close = el("button", { type: "button", class: "fd-header-btn fd-ticket-cancel", "data-testid": "chat-history-close", text: t.close });
    close.addEventListener("click", closeTicketForm);
    const items = el("ul", { class: "fd-history", "data-testid": "chat-history" });
    for (const c of list.body) {
      const when = new Date(c.created_at * 1000).toLocaleString();
      const who = c.operator ? t.chatWith.replace("{name}", c.operator) : t.chatNoOperator;
      const details = el("details", { "data-testid": "chat-history-item" },
        el("summary", { text: when + " · " + who + (c.ticket_number ? " · #" + c.ticket_number : "") }));
      details.addEventListener("toggle", async () => {
        if (!details.open || details.dataset.loaded) return;
        details.dataset.loaded = "1";
        try {
          const r = await jsonFetch("/api/chats/" + c.id + "/messages", { headers: authHeaders(), credentials: creds });
          for (const m of (r.status === 200 && Array.isArray(r.body) ? r.body : [])) {
            const line = el("p", { class: m.kind === "system" ? "fd-system" : null });
            if (m.sender) line.append(el("strong", { text: m.sender + ": " }));
            if (m.kind === "file" && m.file) line.append(fileLink(m.file));
            else appendLinked(line, m.text || "");
            details.append(line);
          }
        } catch (_) {
          details.dataset.loaded = "";
        }
      });
      items.append(el("li", null, details));
    }
    ticketView.replaceChildren(
      el("h3", { id: "fd-ticket-title", text: t.chatHistory }),
      list.body.length ? items : el("p", { class: "fd-intro", text: t.chatHistoryEmpty }),
      el("div", { class: "fd-ticket-actions" }, close)
    );
    hideNotice();
    scroller.hidden = true;
    form.hidden = true;
    ticketView.hidden = false;
    close.focus();
  }

  // ----- live chat with a person ------------------------------------------------------
  // A chat request goes through the JSON API; once an operator takes it,
  // messages flow over a WebSocket (docs/protocol.md) and the question box
  // talks to the operator instead of the bot.

  let liveChat = null; // { id, status, operator, lastId, seq, poll, told }

  /** A live chat is under way (waiting, offered or active, not ended). */
  function chatActive() {
    return !!liveChat && liveChat.status !== "ended";
  }

  function liveLine(text, extra) {
    const m = Object.assign({ role: "live", text }, extra || {});
    messages.append(renderMessage(m));
    scrollToEnd();
  }

  /** Whether someone can chat now, and how long users usually wait. */
  async function liveChatAvailable() {
    try {
      const r = await jsonFetch("/api/chats/availability", { credentials: "omit" });
      const open = r.status === 200 && !!r.body && r.body.operators_available === true;
      return { open, wait: open && typeof r.body.typical_wait_secs === "number" ? r.body.typical_wait_secs : null };
    } catch (_) {
      return { open: false, wait: null };
    }
  }

  function replyTime(secs) {
    if (secs < 60) return t.replySoon;
    if (secs < 5 * 60) return t.replyFew;
    if (secs < 90 * 60) return t.replyMinutes.replace("{n}", String(Math.round(secs / 60)));
    return t.replyHours.replace("{n}", String(Math.round(secs / 3600)));
  }

  /** An anonymous visitor confirms their email with a code, then chats. */
  function askWhoForChat(question, suggestedType) {
    if (messages.querySelector("[data-testid=chat-who]")) return;
    const email = el("input", { type: "email", autocomplete: "email", "aria-label": t.ticketEmail, placeholder: t.ticketEmail, "data-testid": "chat-who-email" });
    if (pendingHost) email.value = pendingHost.email;
    const code = el("input", { inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", "aria-label": t.ticketCode, placeholder: t.ticketCode, "data-testid": "chat-who-code", hidden: true });
    const go = el("button", { type: "submit", class: "fd-ticket fd-chat-person", "data-testid": "chat-who-submit", text: t.chatSendCode });
    const status = el("p", { class: "fd-ticket-status", role: "status", "data-testid": "chat-who-status" });
    const formEl = el("form", { class: "fd-who", novalidate: true }, email, code, go, status);
    const node = renderMessage({ role: "live", text: t.chatWho, system: true });
    node.setAttribute("data-testid", "chat-who");
    node.append(formEl);
    messages.append(node);
    scrollToEnd();
    email.focus();
    let sentTo = null;
    formEl.addEventListener("submit", async (e) => {
      e.preventDefault();
      status.textContent = "";
      const address = email.value.trim();
      try {
        if (sentTo !== address) {
          const r = await requestEmailCode(address);
          if (r.status !== 202) {
            status.textContent = (r.body && r.body.message) || t.networkError;
            return;
          }
          sentTo = address;
          code.hidden = false;
          go.textContent = t.chatConfirm;
          status.textContent = t.ticketCodeSent.replace("{email}", address);
          code.focus();
          return;
        }
        const refused = await verifyEmailCode(address, code.value);
        if (refused) {
          status.textContent = (refused.body && refused.body.message) || t.networkError;
          return;
        }
        node.remove();
        startChat(question, suggestedType);
      } catch (_) {
        status.textContent = t.networkError;
      }
    });
  }

  async function startChat(question, suggestedType) {
    if (identityReady) await identityReady;
    if (identity.kind === "anonymous") {
      // Chatting needs to know who you are: confirm an email first.
      askWhoForChat(question, suggestedType);
      return;
    }
    const body = {};
    if (state.conversationId) body.conversation_id = state.conversationId;
    if (state.conversationId && state.conversationKey) body.conversation_key = state.conversationKey;
    let r;
    try {
      r = await jsonFetch("/api/chats", {
        method: "POST",
        headers: Object.assign({ "Content-Type": "application/json" }, authHeaders()),
        body: JSON.stringify(body),
        credentials: identity.kind === "portal" ? "same-origin" : "omit",
      });
    } catch (_) {
      showNotice(t.networkError);
      return;
    }
    if (r.status !== 201 || !r.body) {
      showNotice((r.body && r.body.message) || t.networkError);
      return;
    }
    liveChat = { id: r.body.id, status: r.body.status, operator: null, lastId: 0, seq: 0, poll: null, told: null };
    retireChatButtons();
    showChatState(r.body, question, suggestedType);
    liveChat.poll = setInterval(pollChat, 2000);
    // What the user writes while waiting is there for the operator who joins.
    connectSocket();
    updateComposer();
  }

  /** The transcript's "Chat with a person" buttons are spent once a chat starts. */
  function retireChatButtons() {
    for (const m of state.messages) if (m.chatAvailable) m.chatUsed = true;
    saveState();
    for (const b of messages.querySelectorAll("[data-testid=chat-with-person]")) b.disabled = true;
  }

  function showChatState(s, question, suggestedType) {
    if (!liveChat) return;
    liveChat.status = s.status;
    if (s.status === "active") {
      clearInterval(liveChat.poll);
      liveChat.operator = s.operator || null;
      if (liveChat.told !== "active") liveLine(t.chatJoined.replace("{name}", s.operator || ""), { system: true });
      liveChat.told = "active";
      updateComposer();
      connectSocket();
      return;
    }
    if (s.status === "ended" || s.status === "cancelled") {
      clearInterval(liveChat.poll);
      liveChat.status = "ended";
      hideLiveTyping();
      updateComposer();
      return;
    }
    const told = s.operators_available ? "waiting" : "busy";
    if (told === "waiting") {
      // One line, kept up to date: position and (when known) the wait.
      let text = s.position ? t.chatWaiting.replace("{n}", String(s.position)) : t.chatNext;
      if (typeof s.estimated_wait_secs === "number") text += " " + t.chatEta.replace("{m}", String(Math.max(1, Math.round(s.estimated_wait_secs / 60))));
      if (liveChat.waitingLine && liveChat.told === "waiting") {
        liveChat.waitingLine.querySelector(".fd-bubble").textContent = text;
        return;
      }
      liveChat.told = told;
      liveChat.waitingLine = renderMessage({ role: "live", text, system: true });
      liveChat.waitingLine.setAttribute("data-testid", "chat-waiting");
      messages.append(liveChat.waitingLine);
      scrollToEnd();
      return;
    }
    if (liveChat.told === told) return;
    liveChat.told = told;
    if (told === "busy") {
      const leave = el("button", { type: "button", class: "fd-ticket", "data-testid": "chat-leave-ticket", text: t.chatLeaveTicket });
      leave.addEventListener("click", () => openTicket(question || "", suggestedType || null));
      const node = renderMessage({ role: "live", text: t.chatBusy, system: true });
      node.setAttribute("data-testid", "chat-busy");
      node.append(leave);
      messages.append(node);
      scrollToEnd();
    }
  }

  async function pollChat() {
    if (!liveChat) return;
    try {
      const r = await jsonFetch("/api/chats/" + liveChat.id, {
        headers: authHeaders(),
        credentials: identity.kind === "portal" ? "same-origin" : "omit",
      });
      if (r.status === 200 && r.body) showChatState(r.body);
    } catch (_) {
      /* try again at the next tick */
    }
  }

  // ----- the widget's socket ---------------------------------------------------------
  // One WebSocket carries everything live: for a known user (portal or
  // confirmed visitor) it is open all the time, for invitations from
  // operators; an active chat subscribes on it. An anonymous visitor's
  // widget opens it only for a chat.

  let socket = null;

  function connectSocket() {
    if (socket) {
      subscribeChat();
      return;
    }
    if (!chatActive() && identity.kind === "anonymous") return;
    const ws = new WebSocket(base.replace(/^http/, "ws") + "/ws/widget");
    socket = ws;
    ws.addEventListener("open", () => {
      if (identity.kind === "visitor") ws.send(JSON.stringify({ type: "hello", token: identity.token }));
      // Invitations sent while the socket was down.
      if (identity.kind !== "anonymous") fetchInvitations();
      subscribeChat();
    });
    ws.addEventListener("message", (e) => {
      let v = null;
      try {
        v = JSON.parse(e.data);
      } catch (_) {
        return;
      }
      if (!v) return;
      if (v.type === "invitation") showInvitation(v);
      else onChatEvent(v);
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      socket = null;
      // Reconnect; an active chat catches up from the last id seen.
      const active = chatActive();
      if (active || identity.kind !== "anonymous") setTimeout(connectSocket, active ? 1500 : 5000);
    });
  }

  function subscribeChat() {
    if (!socket || socket.readyState !== 1 || !chatActive()) return;
    socket.send(JSON.stringify({ type: "subscribe", chat_id: liveChat.id, after: liveChat.lastId }));
  }

  function onChatEvent(v) {
    if (!liveChat || v.chat_id !== liveChat.id) return;
    if (v.type === "message" && !v.internal && v.id > liveChat.lastId) {
      liveChat.lastId = v.id;
      const mine = v.sender_role === "end_user" && typeof v.client_id === "string" && v.client_id.indexOf("w-") === 0;
      if (!mine) {
        hideLiveTyping();
        noteUnread();
      }
      liveLine(v.text, { sender: v.sender, system: v.kind === "system", mine, file: v.kind === "file" ? v.file : null });
      if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "read", chat_id: liveChat.id, up_to: v.id }));
    } else if (v.type === "typing" && v.sender_role !== "end_user") {
      showLiveTyping(v.sender);
    } else if (v.type === "ended") {
      liveChat.status = "ended";
      hideLiveTyping();
      updateComposer();
      rateChat(liveChat.id);
    } else if (v.type === "resync") {
      subscribeChat();
    }
  }

  // Typing, both ways: sent at most every two seconds while the user types;
  // the operator's shown for a few seconds after each notice.
  let typingSentAt = 0;
  function sendTyping() {
    if (!chatActive() || !socket || socket.readyState !== 1) return;
    const now = Date.now();
    if (now - typingSentAt < 2000) return;
    typingSentAt = now;
    socket.send(JSON.stringify({ type: "typing", chat_id: liveChat.id }));
  }

  let liveTypingTimer = null;
  function showLiveTyping(name) {
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    liveTyping.textContent = t.chatTyping.replace("{name}", name || "");
    liveTyping.hidden = false;
    clearTimeout(liveTypingTimer);
    liveTypingTimer = setTimeout(hideLiveTyping, 3500);
    if (atEnd) scrollToEnd();
  }

  function hideLiveTyping() {
    clearTimeout(liveTypingTimer);
    liveTyping.hidden = true;
    liveTyping.textContent = "";
  }

  // ----- unread messages ----------------------------------------------------------------
  // Counted while the panel is closed or the page's tab hidden: a badge on
  // the launcher and the page's title flashing, until the user looks.
  let unread = 0;
  let flashTimer = null;
  let hostTitle = "";

  function seeing() {
    return !panel.hidden && document.visibilityState !== "hidden";
  }

  function noteUnread() {
    if (seeing()) return;
    unread += 1;
    unreadBadge.textContent = unread > 9 ? "9+" : String(unread);
    unreadBadge.hidden = false;
    launcher.setAttribute("aria-label", t.launcherAria + " (" + t.unread.replace("{n}", String(unread)) + ")");
    if (flashTimer) return;
    hostTitle = document.title;
    let shown = false;
    flashTimer = setInterval(() => {
      const flash = "(" + unread + ") " + t.titleNew;
      // The host page may retitle itself meanwhile: keep its new title.
      if (document.title !== hostTitle && !document.title.endsWith(") " + t.titleNew)) hostTitle = document.title;
      shown = !shown;
      document.title = shown ? flash : hostTitle;
    }, 1000);
  }

  function clearUnread() {
    if (!seeing() || (!unread && !flashTimer)) return;
    unread = 0;
    unreadBadge.hidden = true;
    launcher.setAttribute("aria-label", t.launcherAria);
    if (flashTimer) {
      clearInterval(flashTimer);
      flashTimer = null;
      document.title = hostTitle;
    }
  }
  document.addEventListener("visibilitychange", clearUnread);

  function sendLive(text) {
    if (!liveChat || !socket || socket.readyState !== 1) {
      showNotice(t.networkError);
      return;
    }
    liveChat.seq += 1;
    socket.send(JSON.stringify({ type: "message", chat_id: liveChat.id, client_id: "w-" + Date.now() + "-" + liveChat.seq, text }));
  }

  /** Text with its web addresses as links (an operator sends articles). */
  function appendLinked(parent, text) {
    const re = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)]/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      let before = null;
      if (m.index > last) {
        before = document.createTextNode(text.slice(last, m.index));
        parent.append(before);
      }
      const link = newTabLink(m[0], m[0], "chat-link");
      parent.append(link);
      if (isHelpLink(m[0])) showCard(link, before);
      last = re.lastIndex;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  function humanSize(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  /** A link to an article of this help center. */
  function isHelpLink(href) {
    try {
      const u = new URL(href);
      return u.origin === new URL(base).origin && u.pathname.indexOf("/help/") === 0;
    } catch (_) {
      return false;
    }
  }

  /** An article as a card: its title, the section, a line of its text. */
  function articleCard(card, href) {
    return el(
      "a",
      { class: "fd-card", href, target: "_blank", rel: "noopener noreferrer", "data-testid": "article-card" },
      el("span", { class: "fd-card-title", text: String(card.title || href) }),
      card.section ? el("span", { class: "fd-card-section", text: String(card.section) }) : null,
      card.excerpt ? el("span", { class: "fd-card-excerpt", text: String(card.excerpt) }) : null,
      el("span", { class: "fd-sr", text: " " + t.opensNewTab })
    );
  }

  /** Replaces a raw article link with its card (the link stays if that fails). */
  async function showCard(link, before) {
    try {
      const r = await jsonFetch("/api/bot/article-card?url=" + encodeURIComponent(link.href), { credentials: "omit" });
      if (r.status !== 200 || !r.body || !link.parentNode) return;
      link.replaceWith(articleCard(r.body, link.href));
      // "Title: <link>" from the console: the card carries the title.
      if (before && before.textContent.trim().replace(/:$/, "").trim() === String(r.body.title)) before.remove();
    } catch (_) {
      /* keep the plain link */
    }
  }

  /** A file sent in the chat: fetched with the widget's credentials. */
  function fileLink(file) {
    const a = el("a", { href: "#", class: "fd-file", "data-testid": "chat-file" }, fileIcon("page"), document.createTextNode(" " + String(file.name || "file")));
    if (typeof file.size === "number") a.append(el("span", { class: "fd-file-size", text: " · " + humanSize(file.size) }));
    // Images show as a thumbnail, fetched with the same credentials.
    if (/^image\/(png|jpeg|gif)$/i.test(String(file.content_type || ""))) {
      const img = el("img", { class: "fd-thumb", alt: String(file.name || ""), "data-testid": "chat-thumbnail" });
      a.prepend(img);
      a.classList.add("fd-file-image");
      fetch(base + file.url, { headers: authHeaders(), credentials: identity.kind === "portal" ? "same-origin" : "omit" })
        .then((res) => (res.ok ? res.blob() : null))
        .then((blob) => {
          if (blob) img.src = URL.createObjectURL(blob);
          else img.remove();
        })
        .catch(() => img.remove());
    }
    a.addEventListener("click", async (e) => {
      e.preventDefault();
      try {
        const res = await fetch(base + file.url, { headers: authHeaders(), credentials: identity.kind === "portal" ? "same-origin" : "omit" });
        if (!res.ok) throw new Error(String(res.status));
        const url = URL.createObjectURL(await res.blob());
        const save = el("a", { href: url, download: String(file.name || "file") });
        root.append(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      } catch (_) {
        showNotice(t.networkError);
      }
    });
    return a;
  }

  async function sendFile(f) {
    if (!chatActive() || !f) return;
    liveChat.seq += 1;
    const data = new FormData();
    data.append("client_id", "w-f-" + Date.now() + "-" + liveChat.seq);
    data.append("file", f, f.name);
    try {
      const r = await jsonFetch("/api/chats/" + liveChat.id + "/files", {
        method: "POST",
        headers: authHeaders(),
        body: data,
        credentials: identity.kind === "portal" ? "same-origin" : "omit",
      });
      if (r.status !== 201) showNotice(t.chatFileFailed.replace("{why}", (r.body && r.body.message) || String(r.status)));
    } catch (_) {
      showNotice(t.networkError);
    }
  }

  attachButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const f = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    sendFile(f);
  });

  // ----- invitations from operators -----------------------------------------------------
  // A known user's widget hears on its socket of an operator asking to chat
  // about one of their tickets.

  const invitationNodes = new Map(); // invitation id -> message node

  function showInvitation(inv) {
    if (inv.status !== "pending") {
      const node = invitationNodes.get(inv.id);
      if (node) {
        node.remove();
        invitationNodes.delete(inv.id);
        if (inv.status !== "accepted") liveLine(t.chatInviteOver, { system: true });
      }
      return;
    }
    if (invitationNodes.has(inv.id) || chatActive()) return;
    const text = t.chatInvite.replace("{name}", inv.operator || "").replace("{n}", String(inv.ticket));
    const node = renderMessage({ role: "live", text, system: true });
    node.setAttribute("data-testid", "chat-invitation");
    const accept = el("button", { type: "button", class: "fd-ticket fd-chat-person", "data-testid": "invitation-accept", text: t.chatAccept });
    const decline = el("button", { type: "button", class: "fd-ticket", "data-testid": "invitation-decline", text: t.chatDecline });
    accept.addEventListener("click", () => answerInvitation(inv.id, "accept"));
    decline.addEventListener("click", () => answerInvitation(inv.id, "decline"));
    node.append(el("div", { class: "fd-ticket-row" }, accept, decline));
    invitationNodes.set(inv.id, node);
    messages.append(node);
    home.hidden = true;
    setOpen(true, { focus: false });
    scrollToEnd();
  }

  async function answerInvitation(id, answer) {
    let r;
    try {
      r = await jsonFetch("/api/chat-invitations/" + id + "/" + answer, {
        method: "POST",
        headers: authHeaders(),
        credentials: identity.kind === "portal" ? "same-origin" : "omit",
      });
    } catch (_) {
      showNotice(t.networkError);
      return;
    }
    const node = invitationNodes.get(id);
    if (node) node.remove();
    invitationNodes.delete(id);
    if (r.status !== 200 || !r.body) {
      liveLine(t.chatInviteOver, { system: true });
      return;
    }
    if (answer === "accept" && r.body.chat_id) {
      liveChat = { id: r.body.chat_id, status: "active", lastId: 0, seq: 0, poll: null, told: "active" };
      updateComposer();
      connectSocket();
    }
  }

  async function fetchInvitations() {
    try {
      const r = await jsonFetch("/api/chat-invitations", {
        headers: authHeaders(),
        credentials: identity.kind === "portal" ? "same-origin" : "omit",
      });
      if (r.status === 200 && Array.isArray(r.body)) r.body.forEach(showInvitation);
    } catch (_) {
      /* the socket still tells us of new ones */
    }
  }

  async function watchInvitations() {
    if (identityReady) await identityReady;
    historyButton.hidden = identity.kind === "anonymous";
    connectSocket();
  }

  function showTicketCreated(created) {
    closeTicketForm();
    const text = t.ticketCreated.replace("{n}", String(created.number));
    const note = { role: "bot", text, sources: [], ticket: { number: created.number, url: created.url, portal: identity.kind === "portal" } };
    state.messages.push(note);
    saveState();
    messages.append(renderMessage(note));
    scrollToEnd();
  }

  function openTicket(question, suggestedType) {
    showTicketForm(question, suggestedType);
  }

  function renderMessage(m) {
    if (m.role === "live") {
      const body = el("div", { class: "fd-bubble" + (m.system ? " fd-system" : "") });
      if (m.file) body.append(fileLink(m.file));
      else appendLinked(body, m.text);
      if (m.mine) {
        return el("div", { class: "fd-msg fd-msg-user", "data-testid": "message-user" }, el("span", { class: "fd-sr", text: t.you + " " }), body);
      }
      const who = m.system ? null : el("span", { class: "fd-sender", text: m.sender || "" });
      return el("div", { class: "fd-msg fd-msg-bot fd-msg-live", "data-testid": m.system ? "message-system" : "message-operator" }, who, body);
    }
    if (m.role === "user") {
      const body = el("div", { class: "fd-bubble" });
      body.textContent = m.text;
      return el("div", { class: "fd-msg fd-msg-user", "data-testid": "message-user" }, el("span", { class: "fd-sr", text: t.you + " " }), body);
    }

    const body = el("div", { class: "fd-bubble fd-answer", "data-testid": "answer" });
    body.append(renderAnswer(m.text));
    const node = el("div", { class: "fd-msg fd-msg-bot", "data-testid": "message-bot" }, el("span", { class: "fd-sr", text: t.bot + " " }), body);

    const seen = new Set();
    const sources = (Array.isArray(m.sources) ? m.sources : []).filter((s) => {
      const href = s && resolveUrl(s.url);
      if (!href || seen.has(href)) return false;
      seen.add(href);
      return true;
    });
    if (sources.length) {
      const list = el("ul", { class: "fd-cards" });
      for (const s of sources) {
        const title = String(s.title || s.url);
        const section = s.section && String(s.section) !== title ? String(s.section) : "";
        list.append(el("li", null, articleCard({ title, section, excerpt: s.excerpt || "" }, resolveUrl(s.url))));
      }
      // An answer that ends by introducing them ("These articles may also
      // help:") needs no second heading.
      const introduced = /:\s*$/.test(String(m.text || ""));
      body.append(el("div", { class: "fd-sources", "data-testid": "sources" }, introduced ? null : el("p", { class: "fd-sources-title", text: t.sources }), list));
    }

    if (!m.escalate && m.messageId && m.kind === "answer") body.append(voteRow(m));

    if (m.ticket && typeof m.ticket === "object") {
      const href = resolveUrl(String(m.ticket.url || ""));
      node.setAttribute("data-testid", "ticket-created");
      node.setAttribute("data-ticket-number", String(m.ticket.number));
      // Only a portal account can open the ticket's page; anyone else is
      // answered by email and told how to get into the portal.
      if (href && m.ticket.portal !== false) {
        body.append(el("p", { class: "fd-ticket-link" }, newTabLink(href, t.ticketFollow + " (#" + m.ticket.number + ")", "ticket-link")));
      } else if (href) {
        body.append(el("p", { class: "fd-ticket-link", "data-testid": "ticket-by-email" }, t.ticketByEmail + " ", newTabLink(base + "/portal/forgot", t.setPassword, "set-password-link"), "."));
      }
    }

    if (m.escalate) {
      const type = ticketTypeLabel(m.ticketType);
      const button = el("button", {
        type: "button",
        class: "fd-ticket",
        "data-testid": "create-ticket",
        "data-ticket-type": m.ticketType || null,
        text: type ? t.createTicket + " (" + type + ")" : t.createTicket,
      });
      button.addEventListener("click", () => openTicket(m.question, m.ticketType));
      const row = el("div", { class: "fd-ticket-row" }, button);
      // A person to chat with is offered only when live chat is on and
      // someone is available right now.
      if (m.chatAvailable) {
        const chatButton = el("button", { type: "button", class: "fd-ticket fd-chat-person", "data-testid": "chat-with-person", disabled: !!m.chatUsed || chatActive(), text: t.chatWithPerson });
        chatButton.addEventListener("click", () => startChat(m.question, m.ticketType));
        row.append(chatButton);
        if (typeof m.typicalWait === "number") row.append(el("p", { class: "fd-reply-time", "data-testid": "reply-time", text: replyTime(m.typicalWait) }));
      }
      body.append(row);
    }
    return node;
  }

  // ----- feedback: on answers, after a chat --------------------------------------

  function postJson(path, body, withIdentity) {
    return jsonFetch(path, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json" }, withIdentity ? authHeaders() : {}),
      body: JSON.stringify(body),
      credentials: withIdentity && identity.kind === "portal" ? "same-origin" : "omit",
    });
  }

  /** "Did this answer your question?" A No asks what was missing and offers people. */
  function voteRow(m) {
    const row = el("div", { class: "fd-vote", "data-testid": "vote" });
    const send = (helpful, comment) => {
      const body = { conversation_id: state.conversationId, message_id: m.messageId, helpful };
      if (state.conversationKey) body.conversation_key = state.conversationKey;
      if (comment) body.comment = comment;
      return postJson("/api/bot/feedback", body, false).catch(() => null);
    };
    const show = () => {
      row.replaceChildren();
      if (m.vote === "yes" || m.vote === "commented") {
        row.append(el("p", { class: "fd-vote-note", role: "status", "data-testid": "vote-thanks", text: m.vote === "yes" ? t.voteThanks : t.voteSent }));
        return;
      }
      if (m.vote === "no") {
        const text = el("textarea", { class: "fd-vote-comment", rows: "2", maxlength: "1000", "aria-label": t.voteSorry, "data-testid": "vote-comment" });
        const go = el("button", { type: "submit", class: "fd-vote-send", "data-testid": "vote-comment-send", text: t.voteSend });
        const form = el("form", { class: "fd-vote-form" }, el("label", { class: "fd-vote-note", text: t.voteSorry }), text, go);
        form.addEventListener("submit", async (e) => {
          e.preventDefault();
          if (text.value.trim()) await send(false, text.value.trim());
          m.vote = "commented";
          saveState();
          show();
        });
        // The person or the ticket the bot would have offered.
        const offer = renderMessage({ role: "bot", text: "", escalate: true, question: m.question, ticketType: null, chatAvailable: m.chatAvailable, chatUsed: m.chatUsed }).querySelector(".fd-ticket-row");
        row.append(form);
        if (offer) row.append(offer);
        return;
      }
      const yes = el("button", { type: "button", class: "fd-vote-button", "data-testid": "vote-yes", text: t.voteYes });
      const no = el("button", { type: "button", class: "fd-vote-button", "data-testid": "vote-no", text: t.voteNo });
      yes.addEventListener("click", async () => {
        m.vote = "yes";
        saveState();
        show();
        await send(true);
      });
      no.addEventListener("click", async () => {
        const live = await liveChatAvailable();
        m.chatAvailable = live.open;
        m.vote = "no";
        saveState();
        show();
        await send(false);
      });
      row.append(el("span", { class: "fd-vote-note", text: t.voteAsk }), yes, no);
    };
    show();
    return row;
  }

  /** After a live chat ends: a rating from 1 to 5, with an optional comment. */
  function rateChat(chatId) {
    if (!chatId || messages.querySelector("[data-testid=rate-chat]")) return;
    const box = el("div", { class: "fd-msg fd-msg-bot", "data-testid": "rate-chat" });
    const bubble = el("div", { class: "fd-bubble fd-rate" });
    const comment = el("textarea", { class: "fd-vote-comment", rows: "2", maxlength: "1000", "aria-label": t.rateComment, placeholder: t.rateComment, "data-testid": "rate-comment" });
    let chosen = 0;
    const stars = el("div", { class: "fd-stars", role: "group", "aria-label": t.rateAsk });
    const send = el("button", { type: "submit", class: "fd-vote-send", "data-testid": "rate-send", disabled: true, text: t.voteSend });
    for (let n = 1; n <= 5; n++) {
      const star = el("button", { type: "button", class: "fd-star", "aria-label": t.rateStar.replace("{n}", String(n)), "aria-pressed": "false", "data-testid": "rate-" + n, text: "★" });
      star.addEventListener("click", () => {
        chosen = n;
        stars.querySelectorAll(".fd-star").forEach((s, i) => {
          s.classList.toggle("fd-star-on", i < n);
          s.setAttribute("aria-pressed", i === n - 1 ? "true" : "false");
        });
        send.disabled = false;
      });
      stars.append(star);
    }
    const form = el("form", { class: "fd-vote-form" }, el("p", { class: "fd-vote-note", text: t.rateAsk }), stars, comment, send);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!chosen) return;
      const body = { rating: chosen };
      if (comment.value.trim()) body.comment = comment.value.trim();
      const r = await postJson("/api/chats/" + chatId + "/rating", body, true).catch(() => null);
      if (r && r.status === 204) bubble.replaceChildren(el("p", { class: "fd-vote-note", role: "status", "data-testid": "rate-thanks", text: t.rateThanks }));
    });
    bubble.append(form);
    box.append(bubble);
    messages.append(box);
    scrollToEnd();
  }

  /** This browser's own random id for anonymous votes (a second vote replaces the first). */
  function visitorId() {
    try {
      let id = localStorage.getItem("frontdesk-visitor");
      if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
        const bytes = new Uint8Array(16);
        crypto.getRandomValues(bytes);
        id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
        localStorage.setItem("frontdesk-visitor", id);
      }
      return id;
    } catch (_) {
      return null;
    }
  }

  /** "Was this article helpful?" on a help-center article (in the page, not the widget). */
  function articleVote(slot) {
    const url = slot.getAttribute("data-url");
    if (!url) return;
    const note = document.createElement("p");
    note.className = "article-feedback-question";
    note.textContent = t.articleAsk;
    const status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "article-feedback-status";
    const vote = async (helpful) => {
      await identityReady;
      const body = { url, helpful };
      const visitor = visitorId();
      if (visitor) body.visitor = visitor;
      const r = await postJson("/api/help/feedback", body, true).catch(() => null);
      status.textContent = r && r.status === 204 ? t.voteThanks : (r && r.body && r.body.message) || t.networkError;
      for (const b of slot.querySelectorAll("button")) b.setAttribute("aria-pressed", b.dataset.vote === (helpful ? "yes" : "no") ? "true" : "false");
    };
    for (const [label, value] of [[t.voteYes, "yes"], [t.voteNo, "no"]]) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.dataset.vote = value;
      b.setAttribute("aria-pressed", "false");
      b.setAttribute("data-testid", "article-vote-" + value);
      b.addEventListener("click", () => vote(value === "yes"));
      note.append(" ", b);
    }
    slot.replaceChildren(note, status);
  }

  function renderAll() {
    messages.replaceChildren(...state.messages.map(renderMessage));
    home.hidden = state.messages.length > 0;
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = false;
    scrollToEnd();
  }

  function hideNotice() {
    notice.hidden = true;
    notice.textContent = "";
  }

  // ----- suggestions ----------------------------------------------------------

  let suggestionsRequested = false;

  let searchTimer = null;
  let searchSeq = 0;
  async function searchHelp() {
    const q = searchInput.value.trim();
    const seq = ++searchSeq;
    if (q.length < 2) {
      searchResults.replaceChildren();
      return;
    }
    try {
      const lang = pageLang ? "&locale=" + encodeURIComponent(pageLang) : "";
      const r = await jsonFetch("/api/bot/search?q=" + encodeURIComponent(q) + lang, { credentials: "omit" });
      if (seq !== searchSeq) return; // a newer search is on its way
      const hits = r.status === 200 && r.body && Array.isArray(r.body.results) ? r.body.results : [];
      searchResults.replaceChildren();
      if (r.body && r.body.respelled && hits.length) searchResults.append(el("li", { class: "fd-search-note", text: t.showingFor + " " + r.body.respelled }));
      for (const h of hits.slice(0, 5)) {
        const href = resolveUrl(h.url);
        if (href) searchResults.append(el("li", null, articleCard({ title: h.title, section: h.section, excerpt: h.excerpt }, href)));
      }
      if (!hits.length) searchResults.append(el("li", { class: "fd-search-note", "data-testid": "widget-search-empty", text: t.searchNothing }));
    } catch (_) {
      /* offline: the question box still works */
    }
  }
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchHelp, 250);
  });
  searchForm.addEventListener("submit", (e) => {
    e.preventDefault();
    clearTimeout(searchTimer);
    searchHelp();
  });

  async function loadSuggestions() {
    if (suggestionsRequested) return;
    suggestionsRequested = true;
    try {
      const res = await fetch(base + "/api/bot/suggestions?page_url=" + encodeURIComponent(location.href), {
        headers: { Accept: "application/json" },
        credentials: "omit",
      });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const data = await res.json();
      const articles = Array.isArray(data && data.articles) ? data.articles : [];
      suggestionsList.replaceChildren();
      for (const a of articles.slice(0, 5)) {
        const href = a && resolveUrl(a.url);
        if (!href) continue;
        const li = el("li", null, newTabLink(href, String(a.title || a.url)));
        if (a.summary) li.append(el("span", { class: "fd-summary", text: String(a.summary) }));
        suggestionsList.append(li);
      }
      suggestions.hidden = suggestionsList.children.length === 0;
    } catch (_) {
      suggestionsRequested = false; // try again at the next opening
      suggestions.hidden = true;
    }
  }

  // ----- asking ---------------------------------------------------------------

  let pending = false;

  function updateComposer() {
    attachButton.hidden = !chatActive();
    input.placeholder = !chatActive()
      ? t.placeholder
      : liveChat.status === "active" && liveChat.operator
        ? t.chatPlaceholder.replace("{name}", liveChat.operator)
        : t.chatPlaceholderWaiting;
    const len = input.value.length;
    const empty = input.value.trim() === "";
    sendButton.disabled = pending || empty || len > MAX_LENGTH;
    if (len >= COUNTER_FROM) {
      counter.hidden = false;
      counter.textContent = len + " / " + MAX_LENGTH;
      counter.classList.toggle("fd-counter-full", len >= MAX_LENGTH);
    } else {
      counter.hidden = true;
    }
    // grow with the text, up to a few lines
    if (panel.hidden) return; // nothing to measure yet: done again on open
    input.style.height = "auto";
    const borders = input.offsetHeight - input.clientHeight;
    input.style.height = Math.min(input.scrollHeight + borders, 140) + "px";
  }

  async function ask() {
    const question = input.value.trim();
    if (pending || !question) return;
    if (chatActive()) {
      input.value = "";
      updateComposer();
      sendLive(question);
      return;
    }
    if (question.length > MAX_LENGTH) {
      showNotice(t.tooLong);
      return;
    }
    hideNotice();
    pending = true;

    const typed = input.value;
    const userMessage = { role: "user", text: question };
    const userNode = renderMessage(userMessage);
    messages.append(userNode);
    home.hidden = true;
    input.value = "";
    updateComposer();
    messages.append(typing);
    scrollToEnd();

    const body = { question, page_url: location.href, page_title: document.title };
    if (pageLang) body.locale = pageLang;
    if (state.conversationId) body.conversation_id = state.conversationId;
    if (state.conversationId && state.conversationKey) body.conversation_key = state.conversationKey;

    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = controller ? setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS) : null;

    let failure = null;
    let data = null;
    try {
      const post = () =>
        fetch(base + "/api/bot/ask", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
          credentials: "omit",
          signal: controller ? controller.signal : undefined,
        });
      let res = await post();
      if (res.status === 404 && body.conversation_id) {
        // A conversation this browser cannot continue (an older one without
        // a key): start a new one.
        delete body.conversation_id;
        delete body.conversation_key;
        res = await post();
      }
      let json = null;
      try {
        json = await res.json();
      } catch (_) {
        json = null;
      }
      if (res.ok && json && typeof json.answer === "string") {
        data = json;
      } else if (json && typeof json.message === "string" && json.message) {
        failure = json.message;
      } else {
        failure = t.networkError;
      }
    } catch (_) {
      failure = t.networkError;
    } finally {
      if (timer) clearTimeout(timer);
      typing.remove();
      pending = false;
    }

    if (failure) {
      // keep the question: back into the box, out of the conversation
      userNode.remove();
      home.hidden = state.messages.length > 0;
      if (input.value.trim() === "") input.value = typed;
      updateComposer();
      showNotice(failure);
      input.focus();
      return;
    }

    if (typeof data.conversation_id === "string" && data.conversation_id) {
      if (data.conversation_id !== state.conversationId) state.conversationKey = null;
      state.conversationId = data.conversation_id;
    }
    if (typeof data.conversation_key === "string" && data.conversation_key) state.conversationKey = data.conversation_key;
    const botMessage = {
      role: "bot",
      text: data.answer,
      sources: Array.isArray(data.sources)
        ? data.sources.map((s) => ({ title: s && s.title, url: s && s.url, section: s && s.section, excerpt: s && s.excerpt }))
        : [],
      escalate: data.escalate === true,
      ticketType: typeof data.suggested_ticket_type === "string" ? data.suggested_ticket_type : null,
      question,
      messageId: typeof data.message_id === "number" ? data.message_id : null,
      kind: typeof data.kind === "string" ? data.kind : null,
    };
    if (data.escalate === true) {
      const live = await liveChatAvailable();
      botMessage.chatAvailable = live.open;
      botMessage.typicalWait = live.wait;
    }
    state.messages.push(userMessage, botMessage);
    saveState();
    messages.append(renderMessage(botMessage));
    updateComposer();
    scrollToEnd();
  }

  // ----- opening, minimising --------------------------------------------------

  function setOpen(open, opts) {
    const options = opts || {};
    state.open = open;
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (options.save !== false) saveState();
    fitViewport();
    if (open) {
      clearUnread();
      updateComposer();
      loadSuggestions();
      scrollToEnd();
      if (options.focus !== false) input.focus();
    } else if (options.focus !== false) {
      launcher.focus();
    }
  }

  function newConversation() {
    if (pending) return;
    state = { conversationId: null, conversationKey: null, open: true, messages: [] };
    saveState();
    hideNotice();
    renderAll();
    input.value = "";
    updateComposer();
    scroller.scrollTop = 0;
    input.focus();
  }

  launcher.addEventListener("click", () => setOpen(true));
  minimiseButton.addEventListener("click", () => setOpen(false));
  newConvButton.addEventListener("click", newConversation);
  historyButton.addEventListener("click", showHistory);
  ticketButton.addEventListener("click", () => {
    const lastQuestion = [...state.messages].reverse().find((m) => m.role === "user");
    openTicket(lastQuestion ? lastQuestion.text : "", null);
  });

  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !e.defaultPrevented) {
      e.preventDefault();
      setOpen(false);
    }
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    ask();
  });

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      ask();
    }
  });
  input.addEventListener("input", () => {
    if (!notice.hidden) hideNotice();
    updateComposer();
    if (input.value.trim()) sendTyping();
  });

  // Another tab of the same site changed the conversation.
  window.addEventListener("storage", (e) => {
    if (e.key !== storageKey || pending) return;
    const open = state.open;
    state = loadState();
    state.open = open;
    renderAll();
  });

  // ----- start ----------------------------------------------------------------

  // ----- fitting a phone's screen -----------------------------------------------
  // On a phone the panel covers what the user sees: the visual viewport,
  // not the layout viewport, which a host page wider than the screen (or
  // the keyboard, or a pinch zoom) makes larger than the screen.
  const phone = window.matchMedia ? window.matchMedia("(max-width: 480px)") : null;
  function fitViewport() {
    const vv = window.visualViewport;
    const small = vv ? vv.width <= 480 : !!(phone && phone.matches);
    panel.classList.toggle("fd-phone", small);
    if (!small || !vv || panel.hidden) {
      for (const p of ["left", "top", "width", "height"]) panel.style.removeProperty(p);
      return;
    }
    panel.style.left = vv.offsetLeft + "px";
    panel.style.top = vv.offsetTop + "px";
    panel.style.width = vv.width + "px";
    panel.style.height = vv.height + "px";
  }
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", fitViewport);
    window.visualViewport.addEventListener("scroll", fitViewport);
  }
  window.addEventListener("resize", fitViewport);

  function mount() {
    if (!document.body) return;
    identityReady = resolveIdentity();
    identityReady.then(() => {
      const name = identity.user && identity.user.name;
      if (name) intro.textContent = t.hello.replace("{name}", name) + " " + t.intro;
    });
    // The host's own "Submit a request" links open the ticket form here.
    document.addEventListener("click", (e) => {
      const link = e.target && e.target.closest ? e.target.closest("[data-frontdesk-ticket]") : null;
      if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      setOpen(true);
      openTicket("", null);
    });
    for (const slot of document.querySelectorAll("[data-frontdesk-article-feedback]")) articleVote(slot);
    watchInvitations();
    document.body.append(host);
    renderAll();
    updateComposer();
    if (state.open) setOpen(true, { focus: false, save: false });
  }

  window.Frontdesk = Object.freeze({
    version: VERSION,
    open: () => setOpen(true),
    close: () => setOpen(false),
    openTicket: () => {
      setOpen(true);
      openTicket("", null);
    },
    newConversation: () => newConversation(),
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount, { once: true });
  } else {
    mount();
  }
})();
