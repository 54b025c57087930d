"""Take full-page screenshots of cdphub pages with Debian chromium (for reviewing by eye).

    .venv/bin/python scripts/screenshot.py http://127.0.0.1:8000/ out.png [--login EMAIL]
"""

from __future__ import annotations

import argparse
import base64

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("output")
    parser.add_argument("--login", help="demo account email to sign in as first")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--clip", help="TOP:HEIGHT in pixels: only that slice of the page")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900})
        if args.login:
            from urllib.parse import urljoin

            page.goto(urljoin(args.url, "/account/sign-in/"))
            page.fill("#id_email", args.login)
            page.fill("#id_password", "demo-password-2026")
            page.click("button:has-text('Sign in')")
            if "/two-factor/" in page.url:
                from django_otp.oath import totp

                code = totp(base64.b32decode("CDPHUBDEMOTOTPSECRETKEY234567ABC"))
                page.fill("#id_token", f"{code:06d}")
                page.click("button:has-text('Continue')")
        page.goto(args.url)
        if args.clip:
            top, height = (int(n) for n in args.clip.split(":"))
            clip = {"x": 0, "y": top, "width": args.width, "height": height}
            page.screenshot(path=args.output, full_page=True, clip=clip)
        else:
            page.screenshot(path=args.output, full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
