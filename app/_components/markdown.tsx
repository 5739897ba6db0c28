"use client";

import ReactMarkdown, { type Components } from "react-markdown";

// Raw HTML in the text is dropped and link targets pass react-markdown's URL check, so a notice
// can never run script in a reader's console.
const components: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" className="text-primary underline">
      {children}
    </a>
  ),
  img: ({ alt }) => <span>{alt}</span>,
  // The page has its own headings: a notice's headings sit below them.
  h1: ({ children }) => <h3 className="text-lg font-semibold">{children}</h3>,
  h2: ({ children }) => <h4 className="font-semibold">{children}</h4>,
};

/** A notice body written in Markdown, rendered safely. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="space-y-2 text-sm leading-relaxed [&_ol]:list-decimal [&_ol]:pl-5 [&_ul]:list-disc [&_ul]:pl-5 [&_code]:rounded [&_code]:bg-muted [&_code]:px-1">
      <ReactMarkdown skipHtml components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
