import type { CSSProperties, ReactNode } from 'react';
import './structured-content.css';
import { httpsUrl, isRecord, listOf, textOf, type Json } from './structured-content-model.js';

/**
 * LivePerson structured content (the `json` of a rich-content line) drawn as a card. Parley checks a
 * template before it stores it, but the apps may talk to any server speaking the legacy APIs, so
 * drawing trusts nothing: text is text (React escapes it), addresses are https or dropped, colours are
 * colours or ignored, and types not known here draw nothing.
 */

const COLOUR = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,20})$/;

/** The element's `style` as CSS: only bold, italic, colours that are colours, and a size class. */
function styleOf(element: Json): { style: CSSProperties; sizeClass: string } {
  const given = isRecord(element.style) ? element.style : {};
  const style: CSSProperties = {};
  if (given.bold === true || given.bold === 'true') style.fontWeight = 700;
  if (given.italic === true || given.italic === 'true') style.fontStyle = 'italic';
  const color = textOf(given.color);
  if (color !== undefined && COLOUR.test(color)) style.color = color;
  const background = textOf(given['background-color']);
  if (background !== undefined && COLOUR.test(background)) style.backgroundColor = background;
  const size = textOf(given.size);
  return { style, sizeClass: size === 'small' || size === 'large' ? ` sc-${size}` : '' };
}

/** What a click does: the texts to publish (as the visitor's line) and the https link to open. */
function actionsOf(element: Json): { publish: string | undefined; link: string | undefined } {
  const actions = listOf(isRecord(element.click) ? element.click.actions : undefined);
  const publish = actions.find((action) => action.type === 'publishText');
  const link = actions.find((action) => action.type === 'link');
  return { publish: textOf(publish?.text), link: httpsUrl(link?.uri) };
}

interface DrawProps {
  /** Publishes a text as the reader's own line; absent where clicks publish nothing (the workspace). */
  onPublish: ((text: string) => void) | undefined;
}

const common = (element: Json) => ({
  title: textOf(element.tooltip),
  dir: element.rtl === true || element.rtl === 'true' ? 'rtl' : undefined,
});

function CardButton({ element, onPublish }: DrawProps & { element: Json }) {
  const title = textOf(element.title) ?? '';
  const { style, sizeClass } = styleOf(element);
  const { publish, link } = actionsOf(element);
  const canPublish = publish !== undefined && onPublish !== undefined;
  const className = `sc-button${sizeClass}`;
  if (link !== undefined) {
    // A link opens in a new tab; when the button publishes too, both happen, as on LivePerson.
    return (
      <a
        className={className}
        style={style}
        {...common(element)}
        href={link}
        target="_blank"
        rel="noopener noreferrer nofollow"
        onClick={() => {
          if (canPublish) onPublish(publish);
        }}
      >
        {title}
      </a>
    );
  }
  return (
    <button
      type="button"
      className={className}
      style={style}
      {...common(element)}
      disabled={!canPublish}
      onClick={() => {
        if (canPublish) onPublish(publish);
      }}
    >
      {title}
    </button>
  );
}

function CardImage({ element, onPublish }: DrawProps & { element: Json }) {
  const url = httpsUrl(element.url);
  if (url === undefined) return null;
  const caption = textOf(element.caption);
  const { link } = actionsOf(element);
  // No referrer: an image host learns nothing of the chat page that shows it.
  const image = (
    <img className="sc-image" src={url} alt={caption ?? textOf(element.tooltip) ?? ''} referrerPolicy="no-referrer" />
  );
  return (
    <figure className="sc-figure" {...common(element)}>
      {link === undefined ? (
        image
      ) : (
        <a
          href={link}
          target="_blank"
          rel="noopener noreferrer nofollow"
          onClick={() => onPublishOf(element, onPublish)}
        >
          {image}
        </a>
      )}
      {caption !== undefined && <figcaption className="sc-caption">{caption}</figcaption>}
    </figure>
  );
}

function onPublishOf(element: Json, onPublish: DrawProps['onPublish']) {
  const { publish } = actionsOf(element);
  if (publish !== undefined && onPublish !== undefined) onPublish(publish);
}

function CardElement({ element, onPublish, depth }: DrawProps & { element: Json; depth: number }): ReactNode {
  switch (element.type) {
    case 'text': {
      const { style, sizeClass } = styleOf(element);
      return (
        <p className={`sc-text${sizeClass}`} style={style} {...common(element)}>
          {textOf(element.text) ?? ''}
        </p>
      );
    }
    case 'image':
      return <CardImage element={element} onPublish={onPublish} />;
    case 'button':
      return <CardButton element={element} onPublish={onPublish} />;
    case 'vertical':
    case 'horizontal':
      return <Layout element={element} onPublish={onPublish} depth={depth + 1} />;
    default:
      return null;
  }
}

function Layout({ element, onPublish, depth }: DrawProps & { element: Json; depth: number }) {
  // A bound on what a foreign server could nest: deeper layouts are not drawn.
  if (depth > 8) return null;
  return (
    <div className={`sc-layout sc-${element.type === 'horizontal' ? 'horizontal' : 'vertical'}`} {...common(element)}>
      {listOf(element.elements).map((child, index) => (
        <CardElement key={index} element={child} onPublish={onPublish} depth={depth} />
      ))}
    </div>
  );
}

function QuickReplies({ replies, onPublish }: DrawProps & { replies: Json }) {
  const buttons = listOf(replies.replies).filter((reply) => reply.type === 'button');
  if (buttons.length === 0) return null;
  const perRow = Number(replies.itemsPerRow);
  const style = Number.isInteger(perRow) && perRow >= 1 && perRow <= 8 ? { '--sc-per-row': perRow } : {};
  return (
    <div className="sc-quick-replies" role="group" aria-label="Quick replies" style={style as CSSProperties}>
      {buttons.map((reply, index) => (
        <CardButton key={index} element={reply} onPublish={onPublish} />
      ))}
    </div>
  );
}

/** A structured-content template as a card (or a row of cards for a carousel) and its quick replies. */
export function StructuredContent({
  json,
  onPublish,
  hasQuickReplies = true,
}: DrawProps & {
  json: unknown;
  /** Quick replies are offered until the conversation moves on (as on LivePerson): false hides them. */
  hasQuickReplies?: boolean;
}) {
  if (!isRecord(json)) return null;
  const quickReplies = isRecord(json.quickReplies) ? json.quickReplies : undefined;
  const body =
    json.type === 'carousel' ? (
      <div className="sc-carousel" role="group" aria-label="Carousel">
        {listOf(json.elements).map((card, index) => (
          <div className="sc-card sc-carousel-card" key={index}>
            <Layout element={card} onPublish={onPublish} depth={1} />
          </div>
        ))}
      </div>
    ) : json.type === 'vertical' || json.type === 'horizontal' ? (
      <div className="sc-card">
        <Layout element={json} onPublish={onPublish} depth={0} />
      </div>
    ) : null;
  return (
    <div className="structured-content">
      {body}
      {hasQuickReplies && quickReplies !== undefined && <QuickReplies replies={quickReplies} onPublish={onPublish} />}
    </div>
  );
}
