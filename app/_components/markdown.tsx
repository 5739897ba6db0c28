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
};

/** A notice body written in Markdown, rendered safely. */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="space-y-2 text-sm leading-relaxed [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:font-semibold [&_ol]:list-decimal [&_ol]:pl-5 [&_ul]:list-disc [&_ul]:pl-5 [&_code]:rounded [&_code]:bg-muted [&_code]:px-1">
      <ReactMarkdown skipHtml components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
